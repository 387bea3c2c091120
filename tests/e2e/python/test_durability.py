"""An acknowledged claim survives a crash (SPEC §11): many clients claim at once, the server is
killed with SIGKILL right after the acknowledgements, and after a restart every acknowledged claim
is there and no number has two holders."""

import concurrent.futures
import signal
import tempfile
import unittest

import botocore

from harness import Server

CLIENTS = 16
CLAIMS_PER_CLIENT = 8


class CrashTest(unittest.TestCase):
    def test_acknowledged_claims_survive_sigkill(self):
        with tempfile.TemporaryDirectory(prefix="cl-e2e-crash-") as data:
            first = Server(data_dir=data, transient_delay="0s").start()
            acknowledged = {}
            try:
                c = first.client()
                first.set_quotas(phone_numbers_per_instance=1000)
                inst = c.create_instance(IdentityManagementType="CONNECT_MANAGED", InstanceAlias="crash",
                                         InboundCallsEnabled=True, OutboundCallsEnabled=True)
                # Every client races through the same candidates: each number has at most one winner.
                candidates = [n["PhoneNumber"] for n in c.search_available_phone_numbers(
                    TargetArn=inst["Arn"], PhoneNumberCountryCode="US", PhoneNumberType="DID",
                    MaxResults=10)["AvailableNumbersList"]]
                more = c.search_available_phone_numbers(
                    TargetArn=inst["Arn"], PhoneNumberCountryCode="US", PhoneNumberType="TOLL_FREE",
                    MaxResults=10)["AvailableNumbersList"]
                candidates += [n["PhoneNumber"] for n in more]

                def claim_all(worker):
                    client = first.client()  # cached per arguments: one boto3 client shared by threads
                    won = {}
                    for number in candidates[worker % 4:][:CLAIMS_PER_CLIENT]:
                        try:
                            out = client.claim_phone_number(PhoneNumber=number, TargetArn=inst["Arn"])
                            won[number] = out["PhoneNumberId"]
                        except botocore.exceptions.ClientError as e:
                            self.assertEqual(e.response["Error"]["Message"], f"Phone number not available: {number}")
                    return won

                with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
                    for won in pool.map(claim_all, range(CLIENTS)):
                        for number, phone_id in won.items():
                            self.assertNotIn(number, acknowledged, f"{number} acknowledged twice")
                            acknowledged[number] = phone_id
                first.proc.send_signal(signal.SIGKILL)  # no graceful stop
                first.proc.wait(10)
            finally:
                first.stop()
            self.assertGreater(len(acknowledged), 0)

            second = Server(data_dir=data, transient_delay="0s").start()
            try:
                c = second.client()
                for number, phone_id in acknowledged.items():
                    d = c.describe_phone_number(PhoneNumberId=phone_id)["ClaimedPhoneNumberSummary"]
                    self.assertEqual((d["PhoneNumber"], d["PhoneNumberStatus"]["Status"]), (number, "CLAIMED"))
                listed = [s["PhoneNumber"] for s in c.list_phone_numbers_v2()["ListPhoneNumbersSummaryList"]]
                self.assertEqual(sorted(listed), sorted(acknowledged))
            finally:
                second.stop()


if __name__ == "__main__":
    unittest.main()
