"""The team deployment on one machine, all on loopback (``make serve-team``): PostgreSQL, two app
instances sharing it, and nginx in front (WebSocket upgrade, sticky sessions by cookie).

    python deploy/serve_team.py [--port 8600] [--instances 2] [--run-dir .run/team] [--database territory_team]

- PostgreSQL: ``TERRITORY_DB_URL`` when set; otherwise, as root, the local server is started (and
  installed with apt-get where missing) as ``.ci/postgres`` does, with a database of its own
  (``--database``, kept between runs).
- The instances: ``python app.py`` on 127.0.0.1, ports ``--port`` + 1, + 2, ...; they trust
  ``X-Forwarded-For`` only from 127.0.0.2, the address nginx connects from.
- nginx: Debian's package (installed with apt-get where missing and root), in the foreground with its
  own config (deploy/nginx.conf.template) in the run folder; it listens on 127.0.0.1:``--port``.

Prints one line per process (its pid and address), then ``serving http://127.0.0.1:PORT``; stops
everything it started on Ctrl-C or SIGTERM. Exit 2 when something it needs cannot be had.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import string
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
PROXY_BIND = "127.0.0.2"


def _say(line: str) -> None:
    print(line, flush=True)


def _root() -> bool:
    return os.geteuid() == 0


def _apt_install(package: str) -> None:
    if not (_root() and shutil.which("apt-get")):
        raise SystemExit(f"{package} is missing: install it (Debian/Ubuntu: sudo apt-get install {package})")
    _say(f"installing {package} with apt-get...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env, stdout=subprocess.DEVNULL)


def nginx_binary() -> str:
    """Debian's nginx, installed where missing (as root)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        _apt_install("nginx")
        found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found


def postgres_url(database: str) -> str:
    """``TERRITORY_DB_URL`` when set; otherwise the local server's ``database`` (started, created)."""
    if os.environ.get("TERRITORY_DB_URL"):
        return os.environ["TERRITORY_DB_URL"]
    if not _root():
        raise SystemExit("set TERRITORY_DB_URL to a PostgreSQL database (or run as root to start a local server)")
    if not shutil.which("pg_lsclusters"):
        _apt_install("postgresql")
    line = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    version, cluster = line.split()[:2]
    subprocess.run(["pg_ctlcluster", version, cluster, "start"], capture_output=True)  # running already is fine
    for _ in range(30):
        if subprocess.run(["su", "postgres", "-c", "pg_isready -q"]).returncode == 0:
            break
        time.sleep(1)
    roles = subprocess.run(["su", "postgres", "-c", "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='root'\""],
                           capture_output=True, text=True).stdout  # fmt: skip
    if "1" not in roles:
        subprocess.run(["su", "postgres", "-c", "createuser -s root"], check=True)
    subprocess.run(["createdb", database], capture_output=True)  # exists already is fine
    return f"postgresql+psycopg://root@/{database}?host=/var/run/postgresql"


def nginx_config(run: Path, port: int, instance_ports: list[int]) -> Path:
    """The config file for these ports, written into ``run``."""
    upstreams = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in instance_ports)
    text = string.Template(TEMPLATE.read_text()).safe_substitute(  # nginx's own $variables stay
        RUN=str(run), LISTEN=f"127.0.0.1:{port}", UPSTREAMS=upstreams, PROXY_BIND=PROXY_BIND
    )
    path = run / "nginx.conf"
    path.write_text(text)
    return path


def _wait(url: str, proc: subprocess.Popen, what: str, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} stopped at start (exit {proc.returncode}); see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{what} did not answer {url} within {timeout:.0f} s; see {log}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/serve_team.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8600, help="the port nginx listens on (127.0.0.1)")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".run" / "team")
    parser.add_argument("--database", default="territory_team", help="the local PostgreSQL database")
    args = parser.parse_args(argv)
    procs: list[subprocess.Popen] = []

    def stop(*_signal: object) -> None:
        raise SystemExit(0)  # the finally below stops what was started

    signal.signal(signal.SIGTERM, stop)
    try:
        nginx = nginx_binary()
        url = postgres_url(args.database)
        run = args.run_dir.resolve()
        run.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "metrics", "init"], cwd=ROOT, check=True,
                       env={**os.environ, "TERRITORY_DB_URL": url})  # fmt: skip
        ports = [args.port + 1 + i for i in range(args.instances)]
        env = {**os.environ, "TERRITORY_DB_URL": url, "TERRITORY_TRUSTED_PROXIES": PROXY_BIND}
        for name, port in zip("ABCDEFGH", ports, strict=False):
            log = run / f"instance-{name}.log"
            proc = subprocess.Popen(
                [sys.executable, "app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            )  # fmt: skip
            procs.append(proc)
            _wait(f"http://127.0.0.1:{port}/_stcore/health", proc, f"instance {name}", log)
            _say(f"instance {name}: pid {proc.pid}, http://127.0.0.1:{port} (loopback only), log {log}")
        config = nginx_config(run, args.port, ports)
        subprocess.run([nginx, "-t", "-q", "-c", str(config), "-g", "daemon off;"], check=True)
        proc = subprocess.Popen([nginx, "-c", str(config), "-g", "daemon off;"], cwd=run)
        procs.append(proc)
        _wait(f"http://127.0.0.1:{args.port}/_stcore/health", proc, "nginx", run / "nginx-error.log")
        _say(f"nginx: pid {proc.pid}, config {config}")
        _say(f"store: {url.split('@')[-1]}")
        _say(f"serving http://127.0.0.1:{args.port} (loopback only; Ctrl-C stops everything)")
        while all(p.poll() is None for p in procs[-1:]):
            time.sleep(1)
        _say("nginx stopped; stopping the instances")
    except KeyboardInterrupt:
        _say("stopping")
    except (SystemExit, subprocess.CalledProcessError) as exc:
        if isinstance(exc, SystemExit) and exc.code in (0, None):
            raise
        print(f"error: {exc.code if isinstance(exc, SystemExit) else exc}", file=sys.stderr)
        return 2
    finally:  # whatever happened, nothing this started keeps running
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
