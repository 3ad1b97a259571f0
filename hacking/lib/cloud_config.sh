#!/usr/bin/env bash
# The cloud config ansible-test's aws targets read: the user's own, or one the harness writes for
# LocalStack.
# Sourced by hacking/lib.sh; shellcheck sees its variables there.
# shellcheck disable=SC2034

# A cloud config of the user's own (real AWS, or another endpoint) is used as it is; it is
# gitignored and left out of the built collection. Without one, the harness writes its own
# for LocalStack into the collection's copy under .tmp/.
USER_CLOUD_CONFIG="${REPO_ROOT}/tests/integration/cloud-config-aws.ini"
has_user_cloud_config() { [ -f "$USER_CLOUD_CONFIG" ]; }

# write_cloud_config [ACCESS_KEY [SESSION_TOKEN]]: the cloud config ansible-test turns into
# play variables for cloud/aws targets, for LocalStack. LocalStack puts everything in the
# account of a 12-digit access key ID (default: its own, 000000000000).
write_cloud_config() {
    local access_key=${1:-test} token=${2:-}
    {
        echo "[default]"
        echo "aws_access_key = ${access_key}"
        echo "aws_secret_key = localstack-dummy-secret-key"
        if [ -n "$token" ]; then echo "security_token = ${token}"; fi
        echo "aws_region = us-east-1"
        echo "aws_endpoint_url = ${LOCALSTACK_URL}"
        # Harness-only: the fault proxy (emulator_only targets) and the reliability report.
        if [ -n "${FAULT_PROXY_URL:-}" ]; then echo "aws_fault_proxy_url = ${FAULT_PROXY_URL}"; fi
        if [ -n "${RELIABILITY_REPORT_DIR:-}" ]; then echo "reliability_report_dir = ${RELIABILITY_REPORT_DIR}"; fi
        echo "ansible_remote_tmp = ${TEST_HOME}/.ansible/tmp"
    } >"${COLLECTION_DIR}/tests/integration/cloud-config-aws.ini"
}
