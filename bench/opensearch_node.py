"""Throwaway OpenSearch nodes that the benchmarks and the tests start and stop themselves.

`single_node` starts one node (the benchmarks' peer); `cluster` starts
several on loopback that form one cluster (the tests' and the benchmark's
`opensearch` backend), and lets a test kill, stop and restart any of them.

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
and CI machines run everything as root. The user is created when missing.

Why a cluster name per run: nodes find each other through the seed hosts
given, but a unique name makes sure a node never joins another test's
cluster on the same machine.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import random
import secrets
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
from dataclasses import dataclass, field
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


def _health(url: str, nodes: int = 1) -> str | None:
    """The cluster's status as `url` sees it, once it counts `nodes` nodes, else None."""
    try:
        with urllib.request.urlopen(
            f"{url}/_cluster/health?wait_for_nodes=>={nodes}&timeout=1s", timeout=5
        ) as response:
            health = json.load(response)
    except (OSError, ValueError):  # URLError and refused connections are OSErrors
        return None
    return health.get("status") if health.get("number_of_nodes", 0) >= nodes else None


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
        _kill(proc, pidfile)


def _kill(proc: subprocess.Popen, pidfile: Path) -> None:
    """SIGKILL to the JVM and its launcher's process group: a crash, as a test wants one."""
    _signal(_java_pid(pidfile), signal.SIGKILL)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


@dataclass
class Node:
    """One node: its folders under `workdir`, its ports, and its process while it runs."""

    name: str
    workdir: Path
    http_port: int
    transport_port: int
    heap_mb: int = 512
    settings: list[str] = field(default_factory=list)  # -E options beyond the node's own
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def pidfile(self) -> Path:
        return self.workdir / "tmp" / "opensearch.pid"

    @property
    def console(self) -> Path:
        return self.workdir / "console.log"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Launch the node (as the system user when root); `wait_ready` waits for it."""
        home = opensearch_home()
        self.workdir = Path(self.workdir).resolve()
        conf, data, logs, tmp = (self.workdir / n for n in ("config", "data", "logs", "tmp"))
        for folder in (data, logs, tmp):
            folder.mkdir(parents=True, exist_ok=True)
        _prepare_config(home, conf, logs, tmp)
        self.pidfile.unlink(missing_ok=True)
        env = {
            "OPENSEARCH_JAVA_HOME": _java_home(),
            "OPENSEARCH_PATH_CONF": str(conf),
            "OPENSEARCH_TMPDIR": str(tmp),
            "OPENSEARCH_JAVA_OPTS": f"-Xms{self.heap_mb}m -Xmx{self.heap_mb}m",
        }
        launcher = home / "bin" / "opensearch"
        as_user = _as_user(self.workdir, launcher, data, (conf, data, logs, tmp), env)
        cmd = [
            *as_user,
            str(launcher),
            "-p",
            str(self.pidfile),
            f"-Enode.name={self.name}",
            "-Enetwork.host=127.0.0.1",
            f"-Ehttp.port={self.http_port}",
            f"-Etransport.port={self.transport_port}",
            f"-Epath.data={data}",
            f"-Epath.logs={logs}",
            # A benchmark on a nearly full disk should measure search, not refuse to
            # allocate shards or turn indices read-only at the 85/90/95 % watermarks.
            "-Ecluster.routing.allocation.disk.threshold_enabled=false",
            *self.settings,
        ]
        with open(self.console, "ab") as out:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.workdir,
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own group: a SIGKILL reaches runuser and the JVM
            )

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc, self.pidfile)

    def kill(self) -> None:
        """SIGKILL, no shutdown: what a crashed machine looks like to the others."""
        if self.proc is not None and self.proc.poll() is None:
            _kill(self.proc, self.pidfile)

    def failure(self) -> str | None:
        """Why the node is not running (exit status and the console's tail), or None."""
        if self.proc is None or self.proc.poll() is None:
            return None
        tail = _tail(self.console.read_text(errors="replace"))
        return f"OpenSearch node {self.name} exited with {self.proc.returncode}:\n{tail}"


def _as_user(workdir: Path, launcher: Path, data: Path, folders, env: dict) -> list[str]:
    """The `runuser` prefix that starts the node as `USER` when we are root, else nothing."""
    if os.geteuid() != 0:
        return []
    user = _ensure_user()
    workdir.chmod(workdir.stat().st_mode | 0o711)  # let the node's user through
    for folder in folders:
        _chown_tree(folder, user.pw_uid, user.pw_gid)
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    probe = ["test", "-x", str(launcher), "-a", "-w", str(data)]
    if subprocess.run([runuser, "-u", USER, "--", *probe]).returncode != 0:
        raise RuntimeError(
            f"user {USER} cannot run {launcher} or write {data}: every folder "
            "above them must be searchable by others (chmod o+x)"
        )
    # `env` after `--`: runuser's PAM session may rewrite the environment.
    return [runuser, "-u", USER, "--", "env", *(f"{k}={v}" for k, v in env.items())]


@dataclass
class Cluster:
    """Nodes on loopback that form one cluster; a test may kill, stop and start each."""

    nodes: list[Node]

    @property
    def urls(self) -> list[str]:
        return [n.url for n in self.nodes]

    def running_urls(self) -> list[str]:
        return [n.url for n in self.nodes if n.running]

    def start(self, *which: int) -> None:
        for i in which or range(len(self.nodes)):
            if not self.nodes[i].running:
                self.nodes[i].start()

    def kill(self, i: int) -> None:
        self.nodes[i].kill()

    def stop(self, *which: int) -> None:
        for i in which or range(len(self.nodes)):
            self.nodes[i].stop()

    def wait(self, status: str = "green", timeout: float = START_TIMEOUT) -> None:
        """Until every running node has joined and one reports `status` (or better)."""
        wanted = ("green",) if status == "green" else ("yellow", "green")
        deadline = time.monotonic() + timeout
        while True:
            for node in self.nodes:
                problem = node.failure()
                if problem is not None:
                    raise RuntimeError(problem)
            running = self.running_urls()
            if any(_health(url, len(running)) in wanted for url in running):
                return
            if time.monotonic() > deadline:
                tails = "\n".join(
                    f"--- {n.name}:\n{_tail(n.console.read_text(errors='replace'), 12)}"
                    for n in self.nodes
                    if n.console.exists()
                )
                raise RuntimeError(f"cluster not {status} after {timeout:.0f} s\n{tails}")
            time.sleep(0.5)


@contextmanager
def cluster(
    workdir: Path, nodes: int = 3, heap_mb: int = 512, timeout: float = START_TIMEOUT
) -> Iterator[Cluster]:
    """Start `nodes` nodes as one cluster, yield it once green, stop every node on exit.

    Each node keeps its data under `workdir/<name>`, so a node stopped or
    killed and started again rejoins with its shards. Every folder above
    `workdir` must be searchable by others when we run as root.
    """
    workdir = Path(workdir).resolve()
    for attempt in range(1, START_ATTEMPTS + 1):
        ports = _free_ports(2 * nodes)
        names = [f"n{i + 1}" for i in range(nodes)]
        seeds = ",".join(f"127.0.0.1:{p}" for p in ports[nodes:])
        common = [
            f"-Ecluster.name=newsarchive-{secrets.token_hex(4)}",
            f"-Ediscovery.seed_hosts={seeds}",
            f"-Ecluster.initial_cluster_manager_nodes={','.join(names)}",
        ]
        if nodes == 1:
            common = [common[0], "-Ediscovery.type=single-node"]
        run = workdir / f"run{attempt}"
        run.mkdir(parents=True, exist_ok=True)
        for folder in (workdir, run):  # the nodes' user must pass through to its own folder
            folder.chmod(folder.stat().st_mode | 0o711)
        members = [
            Node(name, run / name, ports[i], ports[nodes + i], heap_mb, common)
            for i, name in enumerate(names)
        ]
        for node in members:
            node.workdir.mkdir(parents=True, exist_ok=True)
        found = Cluster(members)
        try:
            found.start()
            found.wait("green", timeout)
        except RuntimeError as exc:
            found.stop()
            # Someone took a port between our check and the JVM's bind: pick again.
            if "BindException" not in str(exc) or attempt == START_ATTEMPTS:
                raise
            continue
        except BaseException:  # Ctrl-C while waiting must not leave JVMs behind
            found.stop()
            raise
        break
    try:
        yield found
    finally:
        found.stop()


@contextmanager
def single_node(workdir: Path, heap_mb: int = 512) -> Iterator[str]:
    """Start a node, yield its base URL once the cluster is yellow, stop it on exit.

    Data stays in `workdir/data` between runs; pass a fresh folder for an
    empty node. Ports are picked free on loopback, so several benchmarks can
    each run their own node.
    """
    workdir = Path(workdir).resolve()
    for attempt in range(1, START_ATTEMPTS + 1):
        http_port, transport_port = _free_ports(2)
        settings = ["-Ediscovery.type=single-node", "-Ecluster.name=newsarchive-bench"]
        node = Node("bench", workdir, http_port, transport_port, heap_mb, settings)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            node.start()
            Cluster([node]).wait("yellow")
        except RuntimeError as exc:
            node.stop()
            if "BindException" not in str(exc) or attempt == START_ATTEMPTS:
                raise
            continue
        except BaseException:
            node.stop()
            raise
        break
    try:
        yield node.url
    finally:
        node.stop()
