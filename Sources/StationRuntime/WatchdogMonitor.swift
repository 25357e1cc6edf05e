// systemd's watchdog supervises the collector through the collector's own protocol.

public import Collector
public import Systemd

extension ServiceWatchdog: CollectorMonitor {
    public func ready() { ready(status: "collecting") }
    public func stopping() { stopping(status: "stopping: writing the open batch") }
}
