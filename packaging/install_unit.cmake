# Installs connect-local.service with ExecStart naming the installed binary: run at install time, so
# `cmake --install --prefix P` (and DESTDIR) give the unit the path the binary really has.
set(unit_dir "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
file(READ "${CL_UNIT_TEMPLATE}" unit)
string(REPLACE "@BINDIR@" "${CMAKE_INSTALL_PREFIX}/bin" unit "${unit}")
file(MAKE_DIRECTORY "${unit_dir}")
message(STATUS "Installing: ${unit_dir}/connect-local.service")
file(WRITE "${unit_dir}/connect-local.service" "${unit}")
