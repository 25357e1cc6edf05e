"""`opensensor dashboard` on a free port for a check script: started with --port 0, its address read
from its log, stopped by its PID. Scripts import it with `sys.path.insert(0, <Tests/Interop>)`."""
import re
import subprocess
import time


class DashboardProcess:
    def __init__(self, bin_, args, cwd, env, log_path, wait=60):
        """Starts `bin_ dashboard --port 0 args…`; `url` is its address, or None when it did not
        say where it listens within `wait` seconds (`log()` tells why)."""
        self.log_file = open(log_path, "w+")
        self.p = subprocess.Popen([bin_, "dashboard", "--port", "0", *args], cwd=cwd, env=env,
                                  stdout=self.log_file, stderr=subprocess.STDOUT)
        self.url = None
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self.p.poll() is None:
            m = re.search(r"dashboard: (http://127\.0\.0\.1:\d+)/", self.log())
            if m:
                self.url = m.group(1)
                return
            time.sleep(0.1)

    def log(self):
        self.log_file.seek(0)
        return self.log_file.read()

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        return self.p.returncode
