"""DIAL through the client openapi-python-client generated from dist/dial.yaml."""

from conftest import generated, make_client


def test_deployments_and_chat(emulator):
    client = make_client(emulator, "dial")
    pkg = generated("dial")
    from dial_client.api.chat import create_chat_completion
    from dial_client.api.deployments import list_deployments
    from dial_client.api.files import get_bucket
    from dial_client.models import ChatCompletionRequest, ChatCompletionResponse, DeploymentList, Message, MessageRole

    listed = list_deployments.sync(client=client)
    assert isinstance(listed, DeploymentList)
    ids = [d.id for d in listed.data]
    assert "gpt-4" in ids

    body = ChatCompletionRequest(messages=[Message(role=MessageRole.USER, content="Say hello")], stream=False)
    resp = create_chat_completion.sync_detailed("gpt-4", client=client, body=body)
    assert resp.status_code == 200
    assert isinstance(resp.parsed, ChatCompletionResponse), resp.content[:200]
    assert resp.parsed.choices, "no choices"
    assert isinstance(resp.parsed.choices[0].message.content, str)

    bucket = get_bucket.sync(client=client)
    assert bucket is not None and bucket.bucket
    assert pkg.errors is not None



def test_unknown_deployment_is_a_404(emulator):
    # DIAL Core answers its own errors as text/plain (the spec allows it); the generated
    # client only decodes the JSON form, so the status is read from the raw httpx client.
    client = make_client(emulator, "dial")
    resp = client.get_httpx_client().get("/openai/deployments/no-such-deployment")
    assert resp.status_code == 404
