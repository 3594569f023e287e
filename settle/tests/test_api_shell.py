def test_openapi_is_served(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Settle API"


def test_healthz(client, db):
    assert client.get("/healthz").content == b"ok"
