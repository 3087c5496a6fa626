"""VectorVein through the client openapi-python-client generated from dist/vectorvein.yaml."""

from conftest import make_client

ECHO_WORKFLOW = "wf-echo"  # vectorveintest.EchoWorkflowID: finishes at the first check


def test_run_and_check_status(emulator):
    client = make_client(emulator, "vectorvein")
    from vectorvein_client.api.workflow import check_workflow_status, run_workflow
    from vectorvein_client.models import (
        APIVersion,
        CheckStatusEnvelope,
        CheckStatusRequest,
        InputField,
        RunWorkflowEnvelope,
        RunWorkflowRequest,
        RunWorkflowRequestOutputScope,
    )

    version = list(APIVersion)[0]
    body = RunWorkflowRequest(
        wid=ECHO_WORKFLOW,
        output_scope=RunWorkflowRequestOutputScope.OUTPUT_FIELDS_ONLY,
        wait_for_completion=False,
        input_fields=[InputField(node_id="n1", field_name="text", value="hello")],
    )
    run = run_workflow.sync(client=client, body=body, vectorvein_api_version=version)
    assert isinstance(run, RunWorkflowEnvelope), run
    rid = run.data.rid
    assert rid

    status = check_workflow_status.sync(client=client, body=CheckStatusRequest(rid=rid), vectorvein_api_version=version)
    assert isinstance(status, CheckStatusEnvelope), status
    assert int(status.status) == 200


def test_unknown_run_is_an_error_envelope(emulator):
    client = make_client(emulator, "vectorvein")
    from vectorvein_client.api.workflow import check_workflow_status
    from vectorvein_client.models import APIVersion, CheckStatusRequest, ErrorEnvelope

    got = check_workflow_status.sync(
        client=client, body=CheckStatusRequest(rid="no-such-run"), vectorvein_api_version=list(APIVersion)[0]
    )
    assert isinstance(got, ErrorEnvelope), got
    assert got.status >= 300
