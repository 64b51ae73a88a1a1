"""Catalog at scale: seed PostgreSQL with synthetic documents and pages, then time the API over HTTP.

Seeds (COPY) owners, documents (default 1,000,000) and pages (3 per document) into a fresh database
on the test server, builds the indexes, starts `sohoa serve` against it and measures p50/p95/p99 of
owner lookup (GET /api/owners/{owner}/documents), reuse-check (POST /api/reuse-check) and search
(GET /api/search within a case's owner), plus the seed time; every request carries an officer's
token and a case (purpose binding) and appends an audit event. The whole-catalog search of the engine
is timed in-process for reference. The officer's counter pages are timed too: the case page (reuse
answer, attachments), a document's preview page, and its page images - the first render of each
(from the searchable PDF in the object store) and, once cached, the cached answer.

    .venv/bin/python benchmarks/catalog_scale.py [--documents 1000000] [--requests 400]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from repository.catalog import case_facts  # noqa: E402
from repository.catalog.db import migrate, session_scope  # noqa: E402
from repository.security.auth import add_user  # noqa: E402

CORPUS = [line for line in Path(__file__).with_name("corpus_vi.txt").read_text("utf-8").splitlines() if line]
AGENCY = "UBND.BENCH"
TYPES = [
    "cccd",
    "birth_certificate",
    "marital_status_certificate",
    "land_use_certificate",
    "decision",
    "construction_permit",
    "diploma",
    "business_registration",
]


def seed(url: str, documents: int, pages_per_document: int, rng: random.Random) -> list[str]:
    owners = [str(uuid.uuid4()) for _ in range(max(1, documents // 4))]
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        # Bulk load first, index after: building a GIN index once is far cheaper than maintaining it.
        cur.execute("DROP INDEX IF EXISTS ix_page_search")
        with cur.copy("COPY owner (id, kind, identifier, name, created_at) FROM STDIN") as copy:
            for i, owner in enumerate(owners):
                copy.write_row((owner, "citizen", f"{1000000000 + i:012d}", f"Chủ sở hữu {i}", now))
        # One open case per owner, handled by the benchmark officer's agency (purpose binding).
        # Received over 2026 (the indicators' month has ~1/11 of them), some resolved, each knowing how
        # many of its requirements the repository could serve at receipt.
        case_ids = [str(uuid.uuid4()) for _ in owners]
        with cur.copy(
            "COPY case_file (id, case_code, procedure_code, agency_code, owner_id, created_at, field,"
            " received_on, resolved_on, reusable_on_file) FROM STDIN"
        ) as copy:
            for i, owner in enumerate(owners):
                received = date(2026, 1, 1) + timedelta(days=rng.randrange(330))
                resolved = received + timedelta(days=rng.randrange(3, 20)) if rng.random() < 0.7 else None
                row = (
                    case_ids[i],
                    f"BENCH-{i}",
                    "HT.KETHON",
                    AGENCY,
                    owner,
                    now,
                    "Hộ tịch",
                    received,
                    resolved,
                )
                copy.write_row((*row, rng.randrange(3)))
        document_ids = []
        with cur.copy(
            "COPY document (id, owner_id, sha256, result_code, doc_type_code, issue_date, valid_until, kind,"
            " status, original_key, created_at, updated_at, page_count, digitized_at) FROM STDIN"
        ) as copy:
            for i in range(documents):
                doc_id = str(uuid.uuid4())
                document_ids.append(doc_id)
                issued = date(2015, 1, 1) + timedelta(days=rng.randrange(4000))
                valid = issued + timedelta(days=180) if rng.random() < 0.3 else None
                key = f"originals/{i % 256:02x}/{i:064x}.pdf"
                copy.write_row(
                    (
                        doc_id,
                        owners[i % len(owners)],
                        f"{i:064x}",
                        f"BENCH.{i}",
                        rng.choice(TYPES),
                        issued,
                        valid,
                        "component",
                        "digitized",
                        key,
                        now,
                        now,
                        pages_per_document,
                        # Digitized over the year: the indicators' receipt-to-digitization days read it.
                        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(335 * 24 * 60)),
                    )
                )
        # Each case: its owner's first document handed in; the second handed in, or reused (a third).
        with cur.copy("COPY case_document (case_id, document_id, role, via, attached_at) FROM STDIN") as copy:
            for k, case_id in enumerate(case_ids):
                copy.write_row((case_id, document_ids[k], "component", "submitted", now))
                if k + len(owners) < len(document_ids):
                    via = "reuse" if rng.random() < 0.33 else "submitted"
                    copy.write_row((case_id, document_ids[k + len(owners)], "component", via, now))
        with cur.copy("COPY page (document_id, number, method, confidence, text) FROM STDIN") as copy:
            for doc_id in document_ids:
                for number in range(1, pages_per_document + 1):
                    text = " ".join(rng.sample(CORPUS, 2))
                    copy.write_row((doc_id, number, "ocr", 90.0, text))
        cur.execute(
            "CREATE INDEX ix_page_search ON page USING gin (to_tsvector('simple', sohoa_unaccent(text)))"
        )
        conn.commit()
        cur.execute("ANALYZE")
    return owners


def give_pdfs(url: str, objects: Path, count: int) -> list[tuple[str, str]]:
    """A real two-page searchable PDF for ``count`` documents (in a local store), so their previews
    render; returns (case code, document id)."""
    from ocr.render import born_digital_pdf
    from repository.intake.samples import decision

    pdf = born_digital_pdf(
        [decision("12/QĐ-UBND", "Hà Nội, ngày 2 tháng 3 năm 2026", "Về việc thử", ["Điều 1."] * 3)] * 2
    )
    key = "documents/bench/searchable.pdf"
    (objects / key).parent.mkdir(parents=True, exist_ok=True)
    (objects / key).write_bytes(pdf)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.case_code, d.id FROM document d JOIN case_file c ON c.owner_id = d.owner_id "
            "WHERE c.case_code LIKE 'BENCH-%%' LIMIT %s",
            (count,),
        ).fetchall()
        conn.execute("UPDATE document SET searchable_key = %s, page_count = 2 WHERE id = ANY(%s)",
                     (key, [d for _c, d in rows]))  # fmt: skip
    return rows


def time_previews(client: httpx.Client, documents: list[tuple[str, str]]) -> tuple[list, list, list]:
    preview, cold, cached = [], [], []
    for case, doc in documents:
        base = f"/officer/cases/{case}/documents/{doc}"
        preview += timed(client, 1, lambda base=base: ("GET", base, {}))
        cold += timed(
            client, 1, lambda base=base: ("GET", f"{base}/pages/1.png", {"params": {"size": "page"}})
        )
        cached += timed(
            client, 1, lambda base=base: ("GET", f"{base}/pages/1.png", {"params": {"size": "page"}})
        )
    return preview, cold, cached


def percentiles(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=100)
    return f"p50 {q[49] * 1000:7.1f} ms  p95 {q[94] * 1000:7.1f} ms  p99 {q[98] * 1000:7.1f} ms"


def timed(client: httpx.Client, requests: int, make) -> list[float]:
    samples = []
    for _ in range(requests):
        method, path, kwargs = make()
        start = time.perf_counter()
        response = client.request(method, path, **kwargs)
        samples.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:300]}")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--pages-per-document", type=int, default=3)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--previews", type=int, default=150, help="documents given a real PDF to preview")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--reuse", action="store_true", help="time a database kept by an earlier --keep run (no seeding)"
    )
    args = parser.parse_args()
    server_url = os.environ.get("SOHOA_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = "sohoa_bench_catalog"
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    rng = random.Random(5)
    if args.reuse:
        migrate(url)  # a kept database may predate the newest migration
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT owner_id, case_code FROM case_file WHERE case_code LIKE 'BENCH-%'")
            cases = dict(rows.fetchall())
            documents = conn.execute("SELECT count(*) FROM document").fetchone()[0]
        owners = sorted(cases)
        print(f"reusing {documents:,} documents, {len(owners):,} owners", flush=True)
    else:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        started = time.perf_counter()
        migrate(url)
        owners = seed(url, args.documents, args.pages_per_document, rng)
        seconds = time.perf_counter() - started
        facts_started = time.perf_counter()
        with session_scope(url) as session:
            case_facts.refresh(session)  # what the pipeline and the counter keep current as they go
        # That one-off recomputation of every case left each row once dead (half the table); a
        # running catalog's autovacuum reclaims it, so the indicators are timed on a vacuumed table.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE) case_file")
        print(f"case facts of {len(owners):,} cases computed in {time.perf_counter() - facts_started:.0f} s")
        pages = args.documents * args.pages_per_document
        print(
            f"seeded {args.documents:,} documents, {pages:,} pages, {len(owners):,} owners "
            f"in {seconds:.0f} s (COPY + GIN index + ANALYZE)",
            flush=True,
        )
        cases = {owner: f"BENCH-{i}" for i, owner in enumerate(owners)}

    token = add_user(f"bench-officer-{uuid.uuid4().hex[:8]}", "officer", AGENCY, 1, url)
    steward = {
        "Authorization": "Bearer "
        + add_user(f"bench-steward-{uuid.uuid4().hex[:8]}", "steward", None, 1, url)
    }
    objects = Path(tempfile.mkdtemp(prefix="sohoa-scale-objects-"))
    previewed = give_pdfs(url, objects, args.previews)

    def some_owner() -> tuple[str, str]:
        owner = rng.choice(owners)
        return owner, cases[owner]

    # The client holds 250,000 owners and cases: keep them out of its collector's passes, which
    # would otherwise land inside timed requests and be counted as server latency (the server does
    # the same with its own startup heap: see `sohoa serve`).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
    home = Path(tempfile.mkdtemp(prefix="sohoa-scale-"))
    env = os.environ | {
        "SOHOA_DATABASE_URL": url,
        "SOHOA_HOME": str(home),
        "SOHOA_STORAGE_URL": objects.as_uri(),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "repository", "serve", "--port", str(args.port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{args.port}", timeout=30, headers=headers) as client:
            for _ in range(100):
                try:
                    client.get("/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            words = [w for line in CORPUS for w in line.split() if len(w) > 3]

            def lookup():
                owner, case = some_owner()
                return "GET", f"/api/owners/{owner}/documents", {"params": {"case": case}}

            def reuse_check():
                owner, case = some_owner()
                return (
                    "POST",
                    "/api/reuse-check",
                    {"json": {"owner": owner, "procedure": "HT.KETHON", "case": case}},
                )

            def search_owner():
                _owner, case = some_owner()
                return "GET", "/api/search", {"params": {"q": rng.choice(words), "case": case}}

            def search_miss():
                _owner, case = some_owner()
                return "GET", "/api/search", {"params": {"q": rng.choice(rare), "case": case}}

            def case_page():
                _owner, case = some_owner()
                return "GET", f"/officer/cases/{case}", {}

            rare = [f"BENCH{n}" for n in range(10)]  # no page has it: the index answers alone
            timed(client, 50, lookup)  # warm
            lookups = timed(client, args.requests, lookup)
            reuse = timed(client, args.requests, reuse_check)
            by_owner = timed(client, args.requests, search_owner)
            miss = timed(client, args.requests, search_miss)
            timed(client, 20, case_page)  # warm
            counter = timed(client, args.requests, case_page)
            preview_pages, cold, cached = time_previews(client, previewed)
            kpi = timed(
                client,
                max(20, args.requests // 20),
                lambda: ("GET", "/api/kpi", {"params": {"month": "2026-06"}, "headers": steward}),
            )
        # Officers search within the owner of a case they handle (#8's purpose binding), so the API has
        # no whole-catalog search any more; the engine's figure is kept for reference, in-process.
        from repository.catalog.search import search

        anywhere = []
        with session_scope(url) as session:
            for _ in range(max(20, args.requests // 10)):
                began = time.perf_counter()
                search(session, f"{rng.choice(words)} {rng.choice(words)}", limit=20)
                anywhere.append(time.perf_counter() - began)
        print(f"owner lookup          {percentiles(lookups)}")
        print(f"reuse-check           {percentiles(reuse)}")
        print(f"search, case's owner  {percentiles(by_owner)}")
        print(f"search, no match      {percentiles(miss)}")
        print(
            f"engine, whole catalog {percentiles(anywhere)}  (two common words, no owner; not an API route)"
        )
        print(f"counter: case page    {percentiles(counter)}")
        print(f"counter: preview page {percentiles(preview_pages)}")
        print(f"page image, 1st render {percentiles(cold)}  ({len(cold)} pages, from the searchable PDF)")
        print(f"page image, cached    {percentiles(cached)}")
        print(f"/api/kpi, one month    {percentiles(kpi)}  (~1/11 of the cases, all indicators, 3 levels)")
        print("(every request above is authenticated by token and appends one hash-chained audit event)")
    finally:
        server.terminate()
        server.wait(10)
        if not (args.keep or args.reuse):
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
