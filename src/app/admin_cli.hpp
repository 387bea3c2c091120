#pragma once
// `connect-local admin <command>`: the admin API from a shell, against a running server.
// Exit codes: 0 ok, 1 the server said no (4xx/5xx, its error printed), 2 usage error, 3 cannot connect.
#include <CLI/CLI.hpp>

namespace cl::app {

class AdminCommand {
 public:
  // Registers the `admin` subcommand on `app`; everything after `admin` is parsed by run().
  explicit AdminCommand(CLI::App& app);
  bool selected() const { return sub_->parsed(); }
  int run();

 private:
  CLI::App* sub_;
};

// The same, from the arguments after `admin` (for tests and run()).
int admin_main(std::vector<std::string> args);

}  // namespace cl::app
