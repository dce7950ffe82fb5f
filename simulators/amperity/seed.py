"""Seeded data for the Amperity simulator: one tenant, its feeds, courier groups, workflows and 150 ingest jobs.

Times are offsets from the clock's ``now`` when the simulator is built: 6 jobs
are live (started in the last minutes or starting within a minute, lasting one
to four minutes, so they visibly progress), 84 started within the last 7 days
(listable), 60 are older (reachable only by id). After that the "Hourly web
events" courier group runs every hour on the hour of the seeding time (its
workflow appears a minute ahead, ``scheduled``), so a simulator left running
keeps producing work; each hourly run draws from its own seeded stream, so the
data does not depend on when requests came. Ids follow the documented
shapes: ``isj-<YYYYMMDD>-<5 digits>-<6 alnum>``, ``wf-...``, ``wft-...``,
``df-<8 alnum>``, ``cg-<9 alnum>``, ``cb-<YYYYMMDD>-<5 digits>-<5 alnum>/partN.avro``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from adapters.timeparse import truncate_ms
from simulators.amperity.model import Config, FilePlan, IngestJob, Store, TablePlan, Workflow
from simulators.kit import Seeded

TENANT = "socktown"
JOB_COUNT = 150
LIVE_OFFSETS_S = (-150.0, -90.0, -45.0, -20.0, 10.0, 40.0)
RECENT_COUNT = 84
OTHER_WORKFLOWS = 20
RECURRING_GROUP = "Hourly web events"
RECURRING_PERIOD = timedelta(hours=1)
RECURRING_LEAD = timedelta(seconds=60)

TABLE_NAMES = (
    "Shopify_Customers",
    "Shopify_Orders",
    "POS_Transactions",
    "Returns",
    "Store_Locations",
    "Web_Sessions",
    "Mobile_App_Events",
    "Email_Engagement",
    "Loyalty_Members",
    "Gift_Cards",
    "Customer_Service_Cases",
    "Product_Catalog",
)
COURIER_GROUPS = (
    (
        "Daily retail load",
        ("Shopify_Customers", "Shopify_Orders", "POS_Transactions", "Returns", "Store_Locations"),
        True,
    ),
    ("Hourly web events", ("Web_Sessions", "Mobile_App_Events", "Email_Engagement"), False),
    ("Loyalty sync", ("Loyalty_Members", "Gift_Cards", "Customer_Service_Cases"), False),
    ("Weekly catalog", ("Product_Catalog",), True),
)
OTHER_CONFIGS = (
    ("og", "Daily exports", "orchestration.group/run"),
    ("og", "Paid media audiences", "orchestration.group/run"),
    ("cc", "Winback campaign", "campaign.send"),
    ("cc", "Loyalty tier upgrade", "campaign.send"),
)


def day(moment: datetime) -> str:
    return moment.strftime("%Y%m%d")


def job_id(ids: Seeded, moment: datetime) -> str:
    return f"isj-{day(moment)}-{ids.digits(5)}-{ids.alnum(6)}"


def workflow_id(ids: Seeded, moment: datetime) -> str:
    return f"wf-{day(moment)}-{ids.digits(5)}-{ids.alnum(6)}"


def task_id(ids: Seeded, moment: datetime) -> str:
    return f"wft-{day(moment)}-{ids.digits(5)}-{ids.alnum(6)}"


def version_id(ids: Seeded, moment: datetime) -> str:
    return f"etv-{day(moment)}-{ids.digits(5)}-{ids.alnum(6)}"


def make_files(ids: Seeded, moment: datetime, count: int) -> list[FilePlan]:
    rng = ids.rng
    batch = f"cb-{day(moment)}-{ids.digits(5)}-{ids.alnum(5)}"
    files = []
    for n in range(count):
        rows = rng.randint(500, 200_000)
        error_rows = 0 if rng.random() < 0.5 else int(rows * rng.uniform(0, 0.02))
        files.append(FilePlan(f"{batch}/part{n}.avro", f"part{n}.avro", rows, error_rows))
    return files


def make_tables(
    ids: Seeded,
    feeds: list[tuple[str, str]],
    start: datetime,
    *,
    min_s: float,
    max_s: float,
    fail_rate: float = 0.08,
    skip_rate: float = 0.07,
) -> list[TablePlan]:
    rng = ids.rng
    tables = []
    offset = 0.0
    for feed_id, name in feeds:
        roll = rng.random()
        outcome = "skipped" if roll < skip_rate else "failed" if roll < skip_rate + fail_rate else "succeeded"
        table_start = truncate_ms(start + timedelta(seconds=offset))
        tables.append(
            TablePlan(
                feed_id=feed_id,
                table_name=name,
                start_at=table_start,
                duration_s=round(rng.uniform(min_s, max_s), 3),
                outcome=outcome,
                fail_at=round(rng.uniform(0.15, 0.85), 3),
                files=[] if outcome == "skipped" else make_files(ids, table_start, rng.randint(1, 4)),
                rejected_rate=rng.uniform(0, 0.05),
                update_rate=rng.uniform(0, 0.6),
            )
        )
        offset += rng.uniform(0, 20)
    return tables


def add_ingest_run(
    store: Store,
    config: Config,
    created: datetime,
    start: datetime,
    tables_feeds: list[tuple[str, str]],
    *,
    min_s: float,
    max_s: float,
    fail_rate: float = 0.08,
    skip_rate: float = 0.07,
    principal: tuple[str, str, str] = ("amperity-scheduler", "Automated workflow", "automation@socktown.com"),
    ids: Seeded | None = None,
) -> tuple[Workflow, IngestJob]:
    """A courier-group workflow and the one ingest job it runs."""
    ids = ids or store.ids
    wf = Workflow(
        id=workflow_id(ids, created),
        type="courier.group/run",
        name=config.name,
        tenant=store.tenant,
        config_id=config.id,
        created_at=truncate_ms(created),
        principal_id=principal[0],
        principal_name=principal[1],
        principal_email=principal[2],
        launched_version=version_id(ids, created),
    )
    tables = make_tables(ids, tables_feeds, start, min_s=min_s, max_s=max_s, fail_rate=fail_rate, skip_rate=skip_rate)
    job = IngestJob(id=job_id(ids, start), workflow_id=wf.id, tables=tables)
    wf.ingest_job_ids.append(job.id)
    wf.task_ids = [task_id(ids, t.start_at) for t in tables]
    store.workflows[wf.id] = wf
    store.jobs[job.id] = job
    return wf, job


def build_store(seed: int, now: datetime) -> Store:
    ids = Seeded(seed, "amperity")
    rng = ids.rng
    token = f"eyJhbGciOiJSUzI1NiJ9.{ids.alnum(48)}.{ids.alnum(43)}"
    store = Store(tenant=TENANT, token=token, ids=ids, seed=seed, epoch=now)
    feed_ids = {name: f"df-{ids.alnum(8)}" for name in TABLE_NAMES}
    for name, tables, file_based in COURIER_GROUPS:
        config = Config(f"cg-{ids.alnum(9)}", name, "courier.group/run", [(feed_ids[t], t) for t in tables], file_based)
        store.configs[config.id] = config
    for prefix, name, kind in OTHER_CONFIGS:
        config = Config(f"{prefix}-{ids.alnum(9)}", name, kind)
        store.configs[config.id] = config
    groups = [c for c in store.configs.values() if c.feeds]
    store.recurring_config = next(c.id for c in groups if c.name == RECURRING_GROUP)

    offsets = list(LIVE_OFFSETS_S)
    offsets += [rng.uniform(-7 * 86400 + 3600, -600) for _ in range(RECENT_COUNT)]
    offsets += [rng.uniform(-45 * 86400, -7 * 86400 - 3600) for _ in range(JOB_COUNT - len(offsets))]
    for n, offset in enumerate(offsets):
        live = n < len(LIVE_OFFSETS_S)
        config = rng.choice(groups)
        chosen = [f for f in config.feeds if rng.random() < 0.75] or [config.feeds[0]]
        start = truncate_ms(now + timedelta(seconds=offset))
        # A workflow is created before its ingest job starts, and never in the future.
        created = min(start - timedelta(seconds=3 if live else rng.uniform(5, 120)), now - timedelta(seconds=5))
        wf, job = add_ingest_run(
            store,
            config,
            created,
            start,
            chosen,
            min_s=60 if live else 30,
            max_s=240 if live else 2400,
            # One live job fails part-way so a failure is visible without advancing the clock.
            fail_rate=1.0 if n == 1 else 0.08,
            skip_rate=0.0 if n == 1 else 0.07,
        )
        if not live and rng.random() < 0.06:
            longest = max(t.duration_s for t in job.tables)
            wf.stop_at = truncate_ms(start + timedelta(seconds=rng.uniform(0.2, 0.8) * longest))

    others = [c for c in store.configs.values() if not c.feeds]
    for _ in range(OTHER_WORKFLOWS):
        config = rng.choice(others)
        created = truncate_ms(now - timedelta(seconds=rng.uniform(3600, 30 * 86400)))
        add_other_workflow(store, config, created, ids, max_s=1800)
    return store


def add_other_workflow(store: Store, config: Config, created: datetime, ids: Seeded, *, max_s: float) -> Workflow:
    """An orchestration or campaign workflow (no ingest job) created at ``created``, lasting 60 s to ``max_s``."""
    rng = ids.rng
    wf = Workflow(
        id=workflow_id(ids, created),
        type=config.type,
        name=config.name,
        tenant=store.tenant,
        config_id=config.id,
        created_at=created,
        principal_id="amperity-scheduler",
        principal_name="Automated workflow",
        principal_email="automation@socktown.com",
        launched_version=version_id(ids, created),
        duration_s=rng.uniform(60, max_s),
        outcome="failed" if rng.random() < 0.1 else "succeeded",
    )
    wf.task_ids = [task_id(ids, created)]
    store.workflows[wf.id] = wf
    return wf


def materialize(store: Store, now: datetime) -> None:
    """Create the hourly runs whose workflows exist by ``now`` (only the last 8 days' worth after a big jump)."""
    if store.epoch is None or store.recurring_config is None:
        return
    latest = int((now + RECURRING_LEAD - store.epoch) / RECURRING_PERIOD)
    first = max(store.slots_made + 1, latest - int(timedelta(days=8) / RECURRING_PERIOD))
    config = store.configs[store.recurring_config]
    for slot in range(first, latest + 1):
        start = truncate_ms(store.epoch + slot * RECURRING_PERIOD)
        ids = Seeded(store.seed, f"amperity:slot:{slot}")
        add_ingest_run(store, config, start - RECURRING_LEAD, start, list(config.feeds), min_s=60, max_s=240, ids=ids)
    store.slots_made = max(store.slots_made, latest)
