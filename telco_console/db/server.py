"""The managed server: a private MariaDB/MySQL started from the installed binaries.

Layout under [database] datadir (default var/mysql/):
    data/             the server's data directory
    mysqld.sock       its unix socket (it also listens on 127.0.0.1:[database] port)
    mysqld.pid        its pid file
    mysqld.log        its error log
    tmp/              its temporary files (its own: a server starting removes every leftover
                      `#sql*` file in its tmpdir, which in a shared /tmp are other servers' live ones)
    credentials.ini   generated accounts (mode 600): root, owner (migrations), app (runtime)
"""
from __future__ import annotations

import configparser
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from telco_console.errors import ServerError

SERVER_BINARIES = ("mariadbd", "mysqld")
SEARCH_DIRS = ("/usr/sbin", "/usr/libexec", "/usr/local/sbin", "/usr/local/mysql/bin")
OWNER_USER = "telco_owner"
APP_USER = "telco_app"
APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE"


def _gone(pid: int) -> bool:
    """True when the process has exited (reaping it if it is our own child)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return True
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def find_binary(names=SERVER_BINARIES) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
        for d in SEARCH_DIRS:
            p = Path(d) / name
            if p.exists():
                return str(p)
    return None


@dataclass
class Credentials:
    root_password: str
    owner_user: str
    owner_password: str
    app_user: str
    app_password: str

    @classmethod
    def generate(cls) -> Credentials:
        return cls(secrets.token_urlsafe(18), OWNER_USER, secrets.token_urlsafe(18),
                   APP_USER, secrets.token_urlsafe(18))

    def save(self, path: Path) -> None:
        cp = configparser.ConfigParser(interpolation=None)
        cp["root"] = {"password": self.root_password}
        cp["owner"] = {"user": self.owner_user, "password": self.owner_password}
        cp["app"] = {"user": self.app_user, "password": self.app_password}
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            cp.write(fh)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Credentials:
        cp = configparser.ConfigParser(interpolation=None)
        cp.read(path)
        return cls(cp["root"]["password"], cp["owner"]["user"], cp["owner"]["password"],
                   cp["app"]["user"], cp["app"]["password"])


class ManagedServer:
    """Start, stop and report on the private server described by the config."""

    def __init__(self, config):
        self.config = config
        self.base: Path = Path(config.get("database", "datadir"))
        self.data_dir = self.base / "data"
        self.socket = self.base / "mysqld.sock"
        self.pid_file = self.base / "mysqld.pid"
        self.log_file = self.base / "mysqld.log"
        self.credentials_file = self.base / "credentials.ini"
        self.port = config.get("database", "port")
        self.db_name = config.get("database", "name")

    # -- state ---------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        return self.credentials_file.exists() and (self.data_dir / "mysql").is_dir()

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return None if _gone(pid) else pid

    def is_running(self) -> bool:
        return self.pid() is not None and self._socket_answers()

    def _socket_answers(self) -> bool:
        if not self.socket.exists():
            return False
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(1)
        try:
            s.connect(str(self.socket))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def credentials(self) -> Credentials:
        if not self.credentials_file.exists():
            raise ServerError(f"the managed server at {self.base} is not initialised: "
                              "run `telco-console server start`")
        return Credentials.load(self.credentials_file)

    def status(self) -> dict:
        pid = self.pid()
        return {
            "datadir": str(self.base),
            "initialised": self.initialised,
            "running": pid is not None and self._socket_answers(),
            "pid": pid or "",
            "socket": str(self.socket),
            "port": self.port,
            "binary": find_binary() or "not installed",
        }

    # -- lifecycle -------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> bool:
        """Start the server (initialising it on first use). Returns False if it was already up."""
        if self.is_running():
            if not self.credentials_file.exists():
                self._bootstrap_accounts()
            return False
        binary = find_binary()
        if not binary:
            raise ServerError("no mariadbd or mysqld found: install the server "
                              "(`sudo apt-get install mariadb-server`, or `make setup`)")
        self.base.mkdir(parents=True, exist_ok=True)
        fresh = not (self.data_dir / "mysql").is_dir()
        if fresh:
            self._install_db(binary)
        if self.socket.exists():
            self.socket.unlink()
        (self.base / "tmp").mkdir(exist_ok=True)
        args = [binary, "--no-defaults", f"--datadir={self.data_dir}", f"--socket={self.socket}",
                f"--tmpdir={self.base / 'tmp'}",
                f"--port={self.port}", "--bind-address=127.0.0.1", f"--pid-file={self.pid_file}",
                f"--log-error={self.log_file}", "--local-infile=1", "--skip-name-resolve",
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
                "--innodb-buffer-pool-size=512M", "--innodb-log-file-size=256M",
                "--max-connections=300", "--max-allowed-packet=64M"]
        if os.geteuid() == 0:
            args.append("--user=root")
        with open(os.devnull, "wb") as devnull:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=devnull, stderr=devnull,
                                    start_new_session=True, close_fds=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServerError(f"the server exited at start (code {proc.returncode}); "
                                  f"see {self.log_file}: {self._log_tail()}")
            if self._socket_answers() and self._root_answers(fresh):
                break
            time.sleep(0.2)
        else:
            raise ServerError(f"the server did not become ready in {timeout:.0f} s; see {self.log_file}")
        if fresh or not self.credentials_file.exists():
            self._bootstrap_accounts()
        return True

    def _root_answers(self, fresh: bool) -> bool:
        import mysql.connector

        try:
            kwargs = dict(unix_socket=str(self.socket), user="root", connection_timeout=2,
                          collation="utf8mb4_general_ci")
            if not fresh and self.credentials_file.exists():
                kwargs["password"] = self.credentials().root_password
            conn = mysql.connector.connect(**kwargs)
            conn.close()
            return True
        except mysql.connector.Error:
            return False

    def _log_tail(self) -> str:
        try:
            lines = [ln for ln in self.log_file.read_text(errors="replace").splitlines() if "ERROR" in ln]
            return lines[-1] if lines else "no error logged"
        except OSError:
            return "no log"

    def _install_db(self, binary: str) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.base / "tmp").mkdir(parents=True, exist_ok=True)
        user = ["--user=root"] if os.geteuid() == 0 else []
        # its own tmpdir here too: the bootstrap server removes every `#sql*` file in its tmpdir, and
        # in a shared /tmp those are the live temporary tables of other servers (and of other bootstraps)
        tmp = f"--tmpdir={self.base / 'tmp'}"
        installer = find_binary(("mariadb-install-db", "mysql_install_db"))
        if "mariadbd" in Path(binary).name and installer:
            cmd = [installer, "--no-defaults", f"--datadir={self.data_dir}",
                   "--auth-root-authentication-method=normal", "--skip-test-db", tmp, *user]
        else:   # MySQL 8: the server initialises itself
            cmd = [binary, "--no-defaults", "--initialize-insecure", f"--datadir={self.data_dir}", tmp, *user]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise ServerError(f"initialising {self.data_dir} failed: "
                              f"{(res.stderr or res.stdout).strip().splitlines()[-1:]}")

    def _bootstrap_accounts(self) -> None:
        """Create the database, the owner and app accounts, and give root a password."""
        import mysql.connector

        creds = Credentials.generate()
        conn = mysql.connector.connect(unix_socket=str(self.socket), user="root",
                                       collation="utf8mb4_general_ci")
        try:
            cur = conn.cursor()
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{self.db_name}` "
                        "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
            # IDENTIFIED BY gives mysql_native_password on MariaDB (the connector has no client for
            # ed25519) and caching_sha2_password on MySQL 8, which the connector speaks.
            for host in ("localhost", "127.0.0.1"):
                for user, pw in ((creds.owner_user, creds.owner_password), (creds.app_user, creds.app_password)):
                    cur.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")
                    cur.execute(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY %s", (pw,))
                cur.execute(f"GRANT ALL PRIVILEGES ON `{self.db_name}`.* TO '{creds.owner_user}'@'{host}'")
                cur.execute(f"GRANT RELOAD, PROCESS ON *.* TO '{creds.owner_user}'@'{host}'")
                cur.execute(f"GRANT {APP_PRIVILEGES} ON `{self.db_name}`.* TO '{creds.app_user}'@'{host}'")
            cur.execute("ALTER USER 'root'@'localhost' IDENTIFIED BY %s", (creds.root_password,))
            cur.execute("FLUSH PRIVILEGES")
            conn.commit()
        finally:
            conn.close()
        creds.save(self.credentials_file)

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the server. Returns False if it was not running."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _gone(pid):
                return True
            time.sleep(0.1)
        raise ServerError(f"the server (pid {pid}) did not stop in {timeout:.0f} s")

    def kill(self) -> None:
        """kill -9, for fault tests."""
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            for _ in range(200):
                if _gone(pid):
                    return
                time.sleep(0.05)
