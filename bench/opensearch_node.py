"""A throwaway single OpenSearch node that the benchmarks start and stop themselves.

Why the integ-test zip from Maven Central: it is the smallest official
distribution (about 56 MB), Maven Central is reachable from the machines
the benchmarks run on, and the zip carries no security plugin, so the node
speaks plain HTTP without passwords or certificates. It bundles no JDK and
no modules but the HTTP transport: Debian's Java 17 runs 2.x (3.x needs
Java 21), and text must arrive pre-analysed (see `bench.opensearch_peer`).

Why a config folder per run: the node writes its keystore into the config
folder and, by the stock `jvm.options`, GC logs and heap dumps relative to
its working folder. Pointing all of that into `workdir` keeps the unpacked
distribution read-only, so one cached copy serves every run, as any user.

Why a system user: OpenSearch refuses to run as root, and the benchmark
machines run everything as root.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VERSION = "2.19.4"
ARTIFACT = f"org.opensearch.distribution.integ-test-zip:opensearch:{VERSION}:zip"
ROOT = Path(__file__).resolve().parent.parent
# Under bench/corpus/, which .gitignore covers: 56 MB of zip and the unpacked copy.
CACHE = ROOT / "bench" / "corpus" / "opensearch"
USER = "newsarchive-os"
DEBIAN_JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
START_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0
START_ATTEMPTS = 3


def opensearch_home() -> Path:
    """The unpacked distribution, fetched with mvn the first time only.

    A lock file makes concurrent first runs wait for one download instead of
    racing; the unpacked folder appears by an atomic rename, so a folder that
    exists is complete.
    """
    home = CACHE / f"opensearch-{VERSION}"
    if (home / "bin" / "opensearch").is_file():
        return home
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (home / "bin" / "opensearch").is_file():
            return home
        archive = _download()
        scratch = Path(tempfile.mkdtemp(prefix=".unpack-", dir=CACHE))
        try:
            _unzip(archive, scratch)
            (scratch / home.name).rename(home)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        # Maven keeps a copy in its local repository; a second one here is 56 MB for nothing.
        archive.unlink()
    return home


def _download() -> Path:
    """The zip, copied by Maven into the cache from its local repository (~/.m2)."""
    target = CACHE / "download"
    archive = target / f"opensearch-{VERSION}.zip"
    if archive.is_file():
        return archive
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("mvn is not installed (apt-get install maven); it fetches OpenSearch")
    # dependency:copy rather than :get, so the file lands where we say, wherever
    # the local repository is configured to be.
    cmd = [
        mvn,
        "-B",
        "-q",
        "dependency:copy",
        f"-Dartifact={ARTIFACT}",
        f"-DoutputDirectory={target}",
        "-Dmdep.overWriteReleases=true",
    ]
    done = subprocess.run(cmd, cwd=CACHE, capture_output=True, text=True)
    if done.returncode != 0 or not archive.is_file():
        raise RuntimeError(
            f"mvn could not fetch {ARTIFACT} (exit {done.returncode}):\n"
            + _tail(done.stdout + done.stderr)
        )
    return archive


def _unzip(archive: Path, dest: Path) -> None:
    """Unzip keeping the executable bits, which `zipfile.extractall` drops."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, dest))
            mode = (info.external_attr >> 16) & 0o777
            if path.is_dir():
                path.chmod(0o755)
            else:
                # Readable by the node's user whatever the zip or our umask says.
                path.chmod((mode or 0o644) | 0o444)


def _free_ports(n: int) -> list[int]:
    """n distinct ports free on loopback now, below the ephemeral range if possible.

    Why below it: a port picked inside the ephemeral range can be taken by any
    outgoing connection on the machine (a load generator next door, or our
    own health check connecting to the not yet bound port) in the second
    before the JVM binds it; that happened here.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    rng = random.SystemRandom()
    held: list[socket.socket] = []
    try:
        for _ in range(100 * n):
            if len(held) == n:
                break
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", rng.randrange(max(1024, low - 10000), low)))
                held.append(s)
            except OSError:
                s.close()
        while len(held) < n:  # fall back to whatever the kernel offers
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            held.append(s)
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _java_home() -> str:
    for candidate in (os.environ.get("OPENSEARCH_JAVA_HOME"), DEBIAN_JAVA_17):
        if candidate and Path(candidate, "bin", "java").exists():
            return str(candidate)
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    raise RuntimeError("no Java 17+ found: install openjdk-17-jre-headless or set JAVA_HOME")


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    done = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
        capture_output=True,
        text=True,
    )
    try:  # another run may have created it meanwhile; that is fine
        return pwd.getpwnam(USER)
    except KeyError:
        raise RuntimeError(f"could not create user {USER}: {done.stderr.strip()}") from None


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for parent, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(parent, name), uid, gid, follow_symlinks=False)


def _prepare_config(home: Path, conf: Path, logs: Path, tmp: Path) -> None:
    """A fresh copy of the stock config whose file paths point into this run's folders."""
    if conf.exists():
        shutil.rmtree(conf)
    shutil.copytree(home / "config", conf)
    options = conf / "jvm.options"
    text = options.read_text()
    text = text.replace("file=logs/", f"file={logs}/")
    text = text.replace("-XX:ErrorFile=logs/", f"-XX:ErrorFile={logs}/")
    text = text.replace("-XX:HeapDumpPath=data", f"-XX:HeapDumpPath={tmp}")
    options.write_text(text)


def _health(url: str) -> str | None:
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=5) as response:
            return json.load(response).get("status")
    except (OSError, ValueError):  # URLError and refused connections are OSErrors
        return None


def _signal(pid: int | None, sig: int) -> None:
    if pid is None:
        return
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _java_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _stop(proc: subprocess.Popen, pidfile: Path) -> None:
    """SIGTERM to the JVM itself, then SIGKILL to everything if it lingers.

    The JVM, not `runuser`: runuser forwards SIGTERM but kills its child two
    seconds later, shorter than a clean shutdown may take.
    """
    if proc.poll() is not None:
        return
    java = _java_pid(pidfile)
    _signal(java if java is not None else proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        _signal(java, signal.SIGKILL)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()


@contextmanager
def single_node(workdir: Path, heap_mb: int = 512) -> Iterator[str]:
    """Start a node, yield its base URL once the cluster is yellow, stop it on exit.

    Data stays in `workdir/data` between runs; pass a fresh folder for an
    empty node. Ports are picked free on loopback, so several benchmarks can
    each run their own node.
    """
    home = opensearch_home()
    workdir = Path(workdir).resolve()
    conf, data, logs, tmp = (workdir / n for n in ("config", "data", "logs", "tmp"))
    for folder in (data, logs, tmp):
        folder.mkdir(parents=True, exist_ok=True)
    _prepare_config(home, conf, logs, tmp)
    pidfile = tmp / "opensearch.pid"
    pidfile.unlink(missing_ok=True)
    console = workdir / "console.log"

    env = {
        "OPENSEARCH_JAVA_HOME": _java_home(),
        "OPENSEARCH_PATH_CONF": str(conf),
        "OPENSEARCH_TMPDIR": str(tmp),
        "OPENSEARCH_JAVA_OPTS": f"-Xms{heap_mb}m -Xmx{heap_mb}m",
    }
    launcher = home / "bin" / "opensearch"
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = _ensure_user()
        workdir.chmod(workdir.stat().st_mode | 0o711)  # let the node's user through
        for folder in (conf, data, logs, tmp):
            _chown_tree(folder, user.pw_uid, user.pw_gid)
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        probe = ["test", "-x", str(launcher), "-a", "-w", str(data)]
        if subprocess.run([runuser, "-u", USER, "--", *probe]).returncode != 0:
            raise RuntimeError(
                f"user {USER} cannot run {launcher} or write {data}: every folder "
                "above them must be searchable by others (chmod o+x)"
            )
        # `env` after `--`: runuser's PAM session may rewrite the environment.
        as_user = [runuser, "-u", USER, "--", "env", *(f"{k}={v}" for k, v in env.items())]

    for attempt in range(1, START_ATTEMPTS + 1):
        http_port, transport_port = _free_ports(2)
        url = f"http://127.0.0.1:{http_port}"
        cmd = [
            *as_user,
            str(launcher),
            "-p",
            str(pidfile),
            "-Ediscovery.type=single-node",
            "-Ecluster.name=newsarchive-bench",
            "-Enode.name=bench",
            "-Enetwork.host=127.0.0.1",
            f"-Ehttp.port={http_port}",
            f"-Etransport.port={transport_port}",
            f"-Epath.data={data}",
            f"-Epath.logs={logs}",
            # A benchmark on a nearly full disk should measure search, not refuse to
            # allocate shards or turn indices read-only at the 85/90/95 % watermarks.
            "-Ecluster.routing.allocation.disk.threshold_enabled=false",
        ]
        with open(console, "wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=workdir,
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own group: a SIGKILL reaches runuser and the JVM
            )
        try:
            failure = _wait_ready(proc, url, console)
        except BaseException:  # Ctrl-C while waiting must not leave a JVM behind
            _stop(proc, pidfile)
            raise
        if failure is None:
            break
        _stop(proc, pidfile)
        # Someone took a port between our check and the JVM's bind: pick again.
        if "BindException" not in failure or attempt == START_ATTEMPTS:
            raise RuntimeError(failure)
    try:
        yield url
    finally:
        _stop(proc, pidfile)


def _wait_ready(proc: subprocess.Popen, url: str, console: Path) -> str | None:
    """None once the cluster is yellow or green, else why not, with the console's tail."""
    deadline = time.monotonic() + START_TIMEOUT
    while _health(url) not in ("yellow", "green"):
        if proc.poll() is not None:
            state = f"exited with {proc.returncode}"
        elif time.monotonic() > deadline:
            state = f"not yellow after {START_TIMEOUT:.0f} s"
        else:
            time.sleep(0.5)
            continue
        tail = _tail(console.read_text(errors="replace"))
        return f"OpenSearch at {url} {state}; last lines of {console}:\n{tail}"
    return None
