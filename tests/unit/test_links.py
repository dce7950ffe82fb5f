"""``gateway.links``: a job's page in its upstream's UI, from ``ui_base_url``; ids never reshape the link."""

from __future__ import annotations

from adapters.model import JobRecord, JobStatus, Source
from gateway.links import WebLinks


def _job(source: Source, native_id: str, scope: str = "") -> JobRecord:
    return JobRecord(source, native_id, scope, JobStatus.RUNNING, "RUNNING")


def test_base_joined_with_the_sources_path_or_a_whole_template() -> None:
    links = WebLinks.of(
        {
            Source.SCALE: "https://scale.example",
            Source.LEIA: "https://leia.example/a/{scope}/j/{native_id}",
            Source.WORDLIFT: "https://wl.example",
            Source.AMPERITY: None,
        },
        {Source.SCALE: "/processing/jobs/{native_id}", Source.LEIA: None, Source.WORDLIFT: None},
    )
    assert links.url(_job(Source.SCALE, "42")) == "https://scale.example/processing/jobs/42"
    assert links.url(_job(Source.LEIA, "j1", "app")) == "https://leia.example/a/app/j/j1"
    assert links.url(_job(Source.WORDLIFT, "job_1", "g")) is None, "a base without a known page path"
    assert links.url(_job(Source.AMPERITY, "isj-1")) is None, "no ui_base_url"
    assert links.url(_job(Source.PHYLODB, "x")) is None


def test_ids_are_quoted() -> None:
    links = WebLinks.of({Source.LEIA: "https://leia.example/{scope}/{native_id}"}, {})
    assert links.url(_job(Source.LEIA, "../x?y#z", "a/b")) == "https://leia.example/a%2Fb/..%2Fx%3Fy%23z"
