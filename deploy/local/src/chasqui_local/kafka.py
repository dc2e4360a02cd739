"""Runs Apache Kafka (KRaft) from Maven Central jars as background processes.

One combined broker+controller node by default; `--brokers 3` runs three combined nodes with a
static three-voter quorum, replication factor 3 and `min.insync.replicas=2` for every topic. `--secure` adds SASL/SCRAM and
the ACLs of the deploy/k8s KafkaUsers (chasqui_local.kafka_secure).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.kafka_security import PLAINTEXT, KafkaSecurity

from . import kafka_secure
from .config import HOST, KafkaNode, LocalConfig
from .errors import (
    JarFetchError,
    JavaNotFoundError,
    JavaTooOldError,
    MavenNotFoundError,
    PortInUseError,
    ProcessCrashedError,
    ReadinessTimeoutError,
    StorageMismatchError,
)
from .processes import pid_alive, port_in_use, read_pid, tail, terminate

MIN_JAVA = 17
READY_TIMEOUT_S = 60.0
STOP_GRACE_S = 30.0
PROCESS_MARKER = "kafka.Kafka"
_COMPLETE = ".complete"

Progress = Callable[[str], None]


def kafka_version(pom_path: Path) -> str:
    """The Kafka version pinned in deploy/local/kafka/pom.xml."""
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    node = ET.parse(pom_path).getroot().find("m:properties/m:kafka.version", ns)
    if node is None or not (node.text or "").strip():
        raise ValueError(f"{pom_path} has no <kafka.version> property")
    return (node.text or "").strip()


@dataclass(frozen=True)
class KafkaPaths:
    """Files the broker uses, all under <state>/kafka."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def log4j(self) -> Path:
        return self.root / "log4j2.xml"

    @property
    def log(self) -> Path:
        return self.root / "kafka.log"

    @property
    def pid(self) -> Path:
        return self.root / "kafka.pid"

    @property
    def formatted_for(self) -> Path:
        # The controller endpoint is written into the metadata log by --standalone formatting.
        return self.root / "formatted-controller-port"

    @property
    def formatted_secure(self) -> Path:
        # Present if the storage was formatted with the SCRAM credentials of `--secure`.
        return self.root / "formatted-secure"

    @property
    def started_secure(self) -> Path:
        # Present while the last start was `--secure`: `status` and `env` then speak SASL.
        return self.root / "started-secure"


def parse_java_major(version_output: str) -> int | None:
    """Major version from `java -version` output: '17.0.15' -> 17, '1.8.0_292' -> 8."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        return int(match.group(2))
    return major


def check_java(java: str | None) -> int:
    """Return the Java major version, or raise if Java is missing or older than 17."""
    hint = "install Java 17+ (e.g. `apt-get install openjdk-17-jre-headless`) or set CHASQUI_JAVA"
    if java is None:
        raise JavaNotFoundError(f"java not found on PATH; {hint}")
    resolved = shutil.which(java) if "/" not in java else (java if Path(java).exists() else None)
    if resolved is None:
        raise JavaNotFoundError(f"java not found at {java!r}; {hint}")
    try:
        result = subprocess.run(
            [resolved, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        raise JavaNotFoundError(f"cannot run {resolved} ({exc}); {hint}") from exc
    except subprocess.TimeoutExpired as exc:
        raise JavaNotFoundError(f"`{resolved} -version` did not answer in 30 s; {hint}") from exc
    output = result.stderr + result.stdout
    major = parse_java_major(output)
    if major is None:
        first = output.strip().splitlines()[0] if output.strip() else "(no output)"
        raise JavaNotFoundError(f"cannot read the version of {resolved}: {first!r}; {hint}")
    if major < MIN_JAVA:
        raise JavaTooOldError(
            f"{resolved} is Java {major}; Kafka 4.x needs Java {MIN_JAVA}+. "
            f"Install Java 17+ or point CHASQUI_JAVA / JAVA_HOME at one"
        )
    return major


def fetch_jars(config: LocalConfig, progress: Progress) -> Path:
    """Download the pinned Kafka jars once into <state>/jars/kafka-<version>/."""
    version = kafka_version(config.pom_path)
    target = config.jars_root / f"kafka-{version}"
    if (target / _COMPLETE).is_file():
        return target
    if config.mvn is None:
        raise MavenNotFoundError(
            "mvn not found on PATH; Maven is needed once to fetch the Kafka jars from Maven "
            "Central (install it, e.g. `apt-get install maven`, or set CHASQUI_MVN)"
        )
    config.jars_root.mkdir(parents=True, exist_ok=True)
    log = config.jars_root / f"mvn-kafka-{version}.log"
    staging = config.jars_root / f".kafka-{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    progress(f"fetching Kafka {version} jars from Maven Central (once; log: {log})")
    command = [
        config.mvn,
        "-B",
        "-f",
        str(config.pom_path),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={staging}",
        "-DincludeScope=runtime",
    ]
    with log.open("w") as out:
        try:
            code = subprocess.run(
                command, stdout=out, stderr=subprocess.STDOUT, timeout=600, check=False
            ).returncode
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise JarFetchError(f"mvn failed to fetch the Kafka jars ({exc}); see {log}") from exc
    if code != 0 or not any(staging.glob("kafka_2.13-*.jar")):
        raise JarFetchError(
            f"mvn could not fetch the Kafka {version} jars (exit {code}; is Maven Central "
            f"reachable?); see {log}:\n{tail(log, 10)}"
        )
    (staging / _COMPLETE).write_text(version + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def server_properties(config: LocalConfig, data_dir: Path, node: KafkaNode | None = None) -> str:
    this = node or config.kafka_nodes[0]
    port, cport = this.port, this.controller_port
    replicas = config.kafka_brokers
    # With three replicas a write needs two of them (acks=all): one node may fail without loss.
    min_isr = "2" if replicas >= 3 else "1"
    quorum: dict[str, str]
    if replicas == 1:
        quorum = {"controller.quorum.bootstrap.servers": f"{HOST}:{cport}"}
    else:
        quorum = {
            "controller.quorum.voters": ",".join(
                f"{n.node_id}@{HOST}:{n.controller_port}" for n in config.kafka_nodes
            )
        }
    settings = {
        "process.roles": "broker,controller",
        "node.id": str(this.node_id),
        **quorum,
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{cport}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "3",
        "auto.create.topics.enable": "false",
        "default.replication.factor": str(replicas),
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": str(replicas),
        # Fewer internal partitions: the first consumer group join creates them all.
        "offsets.topic.num.partitions": "5",
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": min_isr,
        "transaction.state.log.num.partitions": "5",
        "share.coordinator.state.topic.replication.factor": str(replicas),
        "share.coordinator.state.topic.min.isr": min_isr,
        "group.initial.rebalance.delay.ms": "0",
        # Two cores on a laptop or CI runner: keep thread pools small.
        "num.network.threads": "2",
        "num.io.threads": "2",
        "num.recovery.threads.per.data.dir": "1",
        "log.retention.hours": "24",
        # The log cleaner's dedupe buffer is 128 MiB by default: more than a 256 MiB heap can spare.
        "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
        "log.segment.bytes": str(64 * 1024 * 1024),
    }
    if config.kafka_secure:
        settings.update(kafka_secure.broker_properties(config, port, cport))
    header = "# Written by chasqui-local on every start; edit chasqui_local/kafka.py instead.\n"
    return header + "".join(f"{key}={value}\n" for key, value in settings.items())


def log4j2_xml(log_path: Path) -> str:
    noisy = [
        "kafka.request.logger",
        "kafka.authorizer.logger",
        "state.change.logger",
        "kafka.log",
        "kafka.server.metadata",
        "kafka.raft",
        "org.apache.kafka.raft",
        "org.apache.kafka.image",
        "org.apache.kafka.metadata",
        "org.apache.kafka.controller",
        "org.apache.kafka.storage",
        "org.apache.kafka.clients",
        "org.apache.kafka.common.utils.AppInfoParser",
        "org.apache.kafka.common.config.AbstractConfig",
    ]
    loggers = "".join(f'    <Logger name="{name}" level="WARN"/>\n' for name in noisy)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by chasqui-local on every start. -->
<Configuration status="WARN">
  <Appenders>
    <File name="file" fileName="{log_path}" append="true">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
{loggers}    <Root level="INFO">
      <AppenderRef ref="file"/>
    </Root>
  </Loggers>
</Configuration>
"""


class KafkaProcess:
    """One local Kafka node: its files, its pid, and how to start, probe and stop it."""

    def __init__(self, config: LocalConfig, node: KafkaNode | None = None) -> None:
        self.config = config
        self.node = node or config.kafka_nodes[0]
        self.clustered = config.kafka_brokers > 1
        self.name = f"kafka-{self.node.node_id}" if self.clustered else "kafka"
        self.label = f"Kafka ({self.name})" if self.clustered else "Kafka"
        self.paths = KafkaPaths(self.node.root)
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self.node.port

    @property
    def bootstrap_server(self) -> str:
        return f"{HOST}:{self.node.port}"

    @property
    def log_path(self) -> Path:
        return self.paths.log

    @property
    def security(self) -> KafkaSecurity:
        """How chasqui-local itself connects: the super user on a secure broker, else PLAINTEXT."""
        return kafka_secure.ADMIN if self.config.kafka_secure else PLAINTEXT

    def pid(self) -> int | None:
        pid = read_pid(self.paths.pid)
        if pid is not None and pid_alive(pid, cmdline_contains=PROCESS_MARKER):
            return pid
        return None

    def preflight(self) -> None:
        """Checks that need no download: Java, and both ports free of strangers."""
        check_java(self.config.java)
        for port, what in (
            (self.node.port, "Kafka broker"),
            (self.node.controller_port, "Kafka controller"),
        ):
            if port_in_use(HOST, port):
                raise PortInUseError(
                    f"port {port} ({what}{f' of {self.name}' if self.clustered else ''}) is in use by another process, not by this stack "
                    f"(no running broker recorded in {self.paths.pid}); stop that process or "
                    f"choose another port with "
                    f"{'CHASQUI_KAFKA_PORT' if what == 'Kafka broker' else 'CHASQUI_KAFKA_CONTROLLER_PORT'}"
                )

    def prepare(self, progress: Progress, *, cluster: str | None = None) -> Path:
        """Fetch jars, write configuration, format storage once; return the jar directory.

        `cluster` is the cluster id every node of a multi-node cluster is formatted with.
        """
        jars = fetch_jars(self.config, progress)
        self.paths.root.mkdir(parents=True, exist_ok=True)
        self.paths.properties.write_text(server_properties(self.config, self.paths.data, self.node))
        self.paths.log4j.write_text(log4j2_xml(self.paths.log))
        cport = (
            ",".join(str(n.controller_port) for n in self.config.kafka_nodes)
            if self.clustered
            else str(self.node.controller_port)
        )
        if self.config.kafka_secure:
            self.paths.started_secure.write_text("SASL_PLAINTEXT\n")
        else:
            self.paths.started_secure.unlink(missing_ok=True)
        if (self.paths.data / "meta.properties").is_file():
            if self.config.kafka_secure and not self.paths.formatted_secure.is_file():
                raise StorageMismatchError(
                    f"Kafka storage in {self.paths.data} was formatted without the SCRAM credentials "
                    f"of --secure; start it without --secure, use another CHASQUI_LOCAL_DIR, or delete "
                    f"{self.paths.data} (its topics will be lost)"
                )
            recorded = (
                self.paths.formatted_for.read_text().strip() if self.paths.formatted_for.is_file() else cport
            )
            if recorded != cport:
                raise StorageMismatchError(
                    f"Kafka storage in {self.paths.data} was formatted for controller port(s) "
                    f"{recorded}, not {cport}; set CHASQUI_KAFKA_CONTROLLER_PORT={recorded.split(',')[0]} or "
                    f"delete {self.paths.data} (its topics will be lost)"
                )
            return jars
        progress(f"formatting Kafka storage in {self.paths.data}")
        java = self.config.java or "java"
        classpath = f"{jars}/*"
        cluster_id = cluster or new_cluster_id(self.config, jars)
        # One node alone bootstraps its own quorum; a cluster's voters are static in its properties.
        quorum_flags = [] if self.clustered else ["--standalone"]
        scram_users: list[str] = []
        if self.config.kafka_secure:
            scram_users = [user.name for user in kafka_secure.read_manifests(self.config).users]
            quorum_flags += kafka_secure.format_flags(scram_users)
        with self.paths.log.open("ab") as out:
            code = subprocess.run(
                [
                    java,
                    "-cp",
                    classpath,
                    f"-Dlog4j2.configurationFile={self.paths.log4j}",
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cluster_id,
                    "-c",
                    str(self.paths.properties),
                    *quorum_flags,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
                timeout=120,
            ).returncode
        if code != 0:
            raise ProcessCrashedError(
                f"Kafka StorageTool format{f' of {self.name}' if self.clustered else ''} failed (exit {code}); see {self.paths.log}:\n"
                f"{tail(self.paths.log)}"
            )
        self.paths.formatted_for.write_text(cport + "\n")
        if self.config.kafka_secure:
            self.paths.formatted_secure.write_text("SCRAM-SHA-512\n")
            kafka_secure.record_scram_users(self.config, scram_users)
        return jars

    def launch(self, jars: Path) -> int:
        """Start the broker detached from this process; return its pid."""
        java = self.config.java or "java"
        # Three JVMs share the machine with PostgreSQL and the services: smaller heaps each.
        heap = ["-Xms128m", "-Xmx256m"] if self.clustered else ["-Xms256m", "-Xmx512m"]
        command = [
            java,
            *heap,
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.paths.log4j}",
            "-cp",
            f"{jars}/*",
            PROCESS_MARKER,
            str(self.paths.properties),
        ]
        with self.paths.log.open("ab") as out:
            self._popen = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.paths.root,
                start_new_session=True,
            )
        self.paths.pid.write_text(f"{self._popen.pid}\n")
        return self._popen.pid

    def formatted_cluster_id(self) -> str | None:
        try:
            lines = (self.paths.data / "meta.properties").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            key, _, value = line.partition("=")
            if key.strip() == "cluster.id":
                return value.strip()
        return None

    def _exited(self, pid: int) -> bool:
        if self._popen is not None:
            return self._popen.poll() is not None
        return not pid_alive(pid, cmdline_contains=PROCESS_MARKER)

    async def wait_ready(self, pid: int, timeout_s: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if self._exited(pid):
                self.paths.pid.unlink(missing_ok=True)
                raise ProcessCrashedError(
                    f"{self.label} exited during startup; last lines of {self.paths.log}:\n{tail(self.paths.log)}"
                )
            answered = await cluster_id(self.bootstrap_server, security=self.security)
            # Only our broker counts: another one could answer on the port if ours lost the race.
            if answered is not None and answered == self.formatted_cluster_id():
                return
            if time.monotonic() > deadline:
                raise ReadinessTimeoutError(
                    f"{self.label} (pid {pid}) did not answer on {self.bootstrap_server} "
                    f"within {timeout_s:.0f} s; see {self.paths.log}:\n{tail(self.paths.log)}"
                )
            await asyncio.sleep(0.5)

    def stop(self) -> bool:
        """Stop the broker if it runs; True if there was one to stop."""
        pid = self.pid()
        if pid is None:
            self.paths.pid.unlink(missing_ok=True)
            return False
        terminate(pid, sig=signal.SIGTERM, grace_s=STOP_GRACE_S, marker=PROCESS_MARKER)
        self.paths.pid.unlink(missing_ok=True)
        return True


def new_cluster_id(config: LocalConfig, jars: Path) -> str:
    """A fresh KRaft cluster id from Kafka's StorageTool (or a random one like it)."""
    return (
        subprocess.run(
            [config.java or "java", "-cp", f"{jars}/*", "kafka.tools.StorageTool", "random-uuid"],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        ).stdout.strip()
        or _fallback_cluster_id()
    )


def nodes(config: LocalConfig) -> list[KafkaProcess]:
    """The Kafka processes of this configuration: one, or three for `--brokers 3`."""
    return [KafkaProcess(config, node) for node in config.kafka_nodes]


def all_layouts(config: LocalConfig) -> list[KafkaProcess]:
    """Every node that may run under this state folder, single-node and cluster alike (for stop)."""
    single = replace(config, kafka_brokers=1)
    cluster = replace(config, kafka_brokers=3) if _cluster_ports_fit(config) else None
    return nodes(single) + (nodes(cluster) if cluster is not None else [])


def _cluster_ports_fit(config: LocalConfig) -> bool:
    try:
        replace(config, kafka_brokers=3)
    except ValueError:
        return False
    return True


def running_layout(config: LocalConfig) -> LocalConfig:
    """The configuration of what runs: a started three-node cluster wins over the one-node default.

    So `chasqui-local status`, `env` and `up` find a cluster started with `start --brokers 3`
    without repeating the option (or CHASQUI_KAFKA_BROKERS).
    """
    layout = config
    if config.kafka_brokers == 1 and _cluster_ports_fit(config):
        cluster = replace(config, kafka_brokers=3)
        if any(process.pid() is not None for process in nodes(cluster)):
            layout = cluster
    # Likewise a broker started with `--secure` is found secure without repeating the option.
    if not layout.kafka_secure and any(
        process.pid() is not None and process.paths.started_secure.is_file() for process in nodes(layout)
    ):
        layout = replace(layout, kafka_secure=True)
    return layout


def shared_cluster_id(config: LocalConfig, jars: Path) -> str:
    """The id all three nodes are formatted with: the one already on disk, else a new one."""
    for process in nodes(config):
        if (found := process.formatted_cluster_id()) is not None:
            return found
    return new_cluster_id(config, jars)


async def broker_count(
    bootstrap_servers: str, timeout_ms: int = 3000, *, security: KafkaSecurity = PLAINTEXT
) -> int:
    """How many brokers the cluster's metadata lists now (0 if none answers)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers, request_timeout_ms=timeout_ms, **security.client_options()
    )
    try:
        await asyncio.wait_for(admin.start(), timeout_ms / 1000)
        described = await asyncio.wait_for(admin.describe_cluster(), timeout_ms / 1000)
    except Exception:
        return 0
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    return len(described.get("brokers") or [])


async def wait_for_brokers(config: LocalConfig, timeout_s: float = READY_TIMEOUT_S) -> None:
    """Wait until the metadata lists every broker (topics created before would get fewer replicas)."""
    deadline = time.monotonic() + timeout_s
    while True:
        security = kafka_secure.ADMIN if config.kafka_secure else PLAINTEXT
        count = await broker_count(config.kafka_bootstrap_servers, security=security)
        if count >= config.kafka_brokers:
            return
        if time.monotonic() > deadline:
            raise ReadinessTimeoutError(
                f"only {count} of {config.kafka_brokers} Kafka brokers registered within "
                f"{timeout_s:.0f} s at {config.kafka_bootstrap_servers}"
            )
        await asyncio.sleep(0.5)


def _fallback_cluster_id() -> str:
    import base64

    # As Kafka's Uuid.randomUuid(): never one starting with "-", which the StorageTool's argument
    # parser would take for an option (`--cluster-id -x...` fails with "expected one argument").
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


async def _accepts_connections(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
    except (TimeoutError, OSError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def cluster_id(
    bootstrap_servers: str, timeout_ms: int = 3000, *, security: KafkaSecurity = PLAINTEXT
) -> str | None:
    """The cluster id of the broker answering a metadata request, or None if none answers."""
    # A plain connect first: aiokafka logs an error for every refused bootstrap attempt.
    reachable = []
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        if await _accepts_connections(host, int(port)):
            reachable.append(server.strip())
    if not reachable:
        return None
    admin = AIOKafkaAdminClient(
        bootstrap_servers=",".join(reachable), request_timeout_ms=timeout_ms, **security.client_options()
    )
    try:
        await asyncio.wait_for(admin.start(), timeout_ms / 1000)
        described = await asyncio.wait_for(admin.describe_cluster(), timeout_ms / 1000)
    except Exception:
        return None
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    return str(described.get("cluster_id") or "")


async def probe(
    bootstrap_servers: str, timeout_ms: int = 3000, *, security: KafkaSecurity = PLAINTEXT
) -> bool:
    """True if a broker answers a metadata request (as `security`'s principal)."""
    return await cluster_id(bootstrap_servers, timeout_ms, security=security) is not None
