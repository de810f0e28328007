"""The dashboard's static server (services.cli.stack.DashboardServer), as `aura up` runs it:
the built page and its config, and, without a build, a page saying how to build it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.cli.stack import DashboardServer, StackError, http_get


def test_without_a_build_every_page_says_how_to_build_it(tmp_path: Path) -> None:
    with DashboardServer("http://127.0.0.1:8080/", dist=tmp_path / "dist", port=0) as web:
        assert not web.built
        for path in ("", "index.html", "assets/app.js"):
            status, body = http_get(web.url + path)
            assert status == 200
            assert b"make web" in body and b"Node.js" in body
            assert b"http://127.0.0.1:8080/healthz" in body
        status, body = http_get(web.url + "config.json")
        assert (status, json.loads(body)) == (200, {"envoyUrl": "http://127.0.0.1:8080"})


def test_serves_the_build_and_nothing_else(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>AURA</title>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")
    with DashboardServer("http://127.0.0.1:9", dist=dist, port=0) as web:
        assert web.built
        assert http_get(web.url) == (200, b"<!doctype html><title>AURA</title>")
        assert http_get(web.url + "assets/app.js") == (200, b"console.log(1)")
        assert http_get(web.url + "assets/")[0] == 404  # no listings
        assert http_get(web.url + "missing.js")[0] == 404
        assert http_get(web.url + "../secret.txt")[1] != b"outside"
        assert json.loads(http_get(web.url + "config.json")[1]) == {
            "envoyUrl": "http://127.0.0.1:9"
        }
    assert http_get(web.url)[0] == 0  # stopped: nothing answers


def test_a_taken_port_is_a_stack_error(tmp_path: Path) -> None:
    with DashboardServer("http://127.0.0.1:8080", dist=tmp_path, port=0) as first:
        with pytest.raises(StackError, match="cannot listen"):
            DashboardServer("http://127.0.0.1:8080", dist=tmp_path, port=first.port).start()
