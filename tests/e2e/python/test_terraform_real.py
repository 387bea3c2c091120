"""Real `terraform apply / plan / destroy` with the hashicorp/aws provider against connect-local.

Optional: runs where terraform and a local provider mirror exist ($CL_TF_PLUGIN_DIR, default
/opt/tf-plugins; nothing is downloaded: `terraform init -plugin-dir`). It takes minutes, so it runs
as its own ctest (e2e_terraform, which sets CL_TERRAFORM_E2E=1) and is skipped inside e2e_boto3.
The provider block is the README's: endpoints for connect and sts, static credentials, and no
skip_* flag but skip_metadata_api_check (no EC2 metadata lookups).
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import DEFAULT_ACCOUNT, ServerTestCase

PLUGIN_DIR = os.environ.get("CL_TF_PLUGIN_DIR", "/opt/tf-plugins")
TERRAFORM = shutil.which("terraform")
HAVE_PROVIDER = os.path.isdir(os.path.join(PLUGIN_DIR, "registry.terraform.io", "hashicorp", "aws"))

CONFIG = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {
  region                  = "us-east-1"
  access_key              = "test"
  secret_key              = "test"
  skip_metadata_api_check = true
  endpoints {
    connect = "%(endpoint)s"
    sts     = "%(endpoint)s"
  }
}
resource "aws_connect_instance" "i" {
  identity_management_type = "CONNECT_MANAGED"
  inbound_calls_enabled    = true
  outbound_calls_enabled   = true
  instance_alias           = "tf-real"
  contact_lens_enabled     = false
}
resource "aws_connect_contact_flow" "f" {
  instance_id = aws_connect_instance.i.id
  name        = "tf-flow"
  type        = "CONTACT_FLOW"
  content     = jsonencode({ Version = "2019-10-30", StartAction = "a", Metadata = {}, Actions = [
    { Identifier = "a", Type = "DisconnectParticipant", Parameters = {}, Transitions = {} }] })
}
resource "aws_connect_phone_number" "p" {
  target_arn   = aws_connect_instance.i.arn
  country_code = "CA"
  type         = "TOLL_FREE"
  description  = "claimed by terraform"
  tags         = { env = "%(env)s" }
}
data "aws_caller_identity" "me" {}
output "account" { value = data.aws_caller_identity.me.account_id }
output "phone_number_id" { value = aws_connect_phone_number.p.id }
output "country" { value = aws_connect_phone_number.p.country_code }
"""


@unittest.skipUnless(os.environ.get("CL_TERRAFORM_E2E") == "1", "runs as its own ctest (e2e_terraform)")
@unittest.skipUnless(TERRAFORM and HAVE_PROVIDER, f"terraform or a provider mirror in {PLUGIN_DIR} is absent")
class TerraformApplyPlanDestroy(ServerTestCase):
    transient_delay = "1s"  # the provider's waiters poll in real time

    def terraform(self, *args, check=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        env.update({"TF_CLI_CONFIG_FILE": os.devnull, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
                    "HOME": self.dir.name})
        interactive = args[0] in ("init", "plan", "apply", "destroy")  # the commands that could prompt
        p = subprocess.run([TERRAFORM, *args, "-no-color", *(["-input=false"] if interactive else [])],
                           cwd=self.dir.name, env=env,
                           capture_output=True, text=True, timeout=600)
        if check:
            self.assertEqual(p.returncode, 0, f"terraform {args[0]}: {p.stdout[-3000:]} {p.stderr[-3000:]}")
        return p

    def write_config(self, env):
        with open(os.path.join(self.dir.name, "main.tf"), "w") as f:
            f.write(CONFIG % {"endpoint": self.server.endpoint, "env": env})

    def test_apply_plan_update_destroy(self):
        self.dir = tempfile.TemporaryDirectory(prefix="cl-tf-")
        self.addCleanup(self.dir.cleanup)
        self.write_config("test")
        self.terraform("init", f"-plugin-dir={PLUGIN_DIR}")
        self.terraform("apply", "-auto-approve")
        out = {k: v["value"] for k, v in json.loads(self.terraform("output", "-json").stdout).items()}
        self.assertEqual((out["account"], out["country"]), (DEFAULT_ACCOUNT, "CA"))
        summary = self.client().describe_phone_number(PhoneNumberId=out["phone_number_id"])["ClaimedPhoneNumberSummary"]
        self.assertEqual((summary["PhoneNumberCountryCode"], summary["PhoneNumberStatus"]["Status"],
                          summary["Tags"]), ("CA", "CLAIMED", {"env": "test"}))
        # A refresh finds no drift.
        self.assertEqual(self.terraform("plan", "-detailed-exitcode", check=False).returncode, 0)
        # An in-place update (the tags: a new description would replace the number).
        self.write_config("prod")
        self.terraform("apply", "-auto-approve")
        summary = self.client().describe_phone_number(PhoneNumberId=out["phone_number_id"])["ClaimedPhoneNumberSummary"]
        self.assertEqual(summary["Tags"], {"env": "prod"})
        self.terraform("destroy", "-auto-approve")
        self.assertEqual(self.client().list_instances()["InstanceSummaryList"], [])
