# OpenStack Swift with its S3 API, single replica on loopback (docs/test-peers.md), for
# run-s3.sh and Benchmarks/run-sync.sh. Source it, then: start_swift DIR. Needs $PY (for a
# free port), free_port, wait_http, say and the pids array of the caller. Sets SWIFT (the
# proxy's URL) and SWIFT_PORT; S3 credentials test:tester / testing. Installs Swift's Debian
# packages when absent and running as root.
start_swift() {
    local R=$1
    if ! command -v swift-proxy-server >/dev/null && [[ ! -x /usr/bin/swift-proxy-server ]]; then
        [[ $(id -u) == 0 ]] || die "OpenStack Swift is missing (apt-get install swift swift-proxy swift-account swift-container swift-object)"
        say "installing OpenStack Swift from Debian's packages"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            swift swift-proxy swift-account swift-container swift-object >/dev/null || die "apt-get install swift"
    fi
    mkdir -p "$R/etc" "$R/srv/d1" "$R/log"
    declare -A port
    local n p
    for n in object container account proxy memcache; do port[$n]=$(free_port); done
    (
        cd "$R/etc"
        for n in object container account; do
            p=${port[$n]}
            swift-ring-builder $n.builder create 10 1 1 >/dev/null
            swift-ring-builder $n.builder add r1z1-127.0.0.1:$p/d1 100 >/dev/null
            swift-ring-builder $n.builder rebalance >/dev/null
            printf '[DEFAULT]\nbind_ip = 127.0.0.1\nbind_port = %s\nworkers = 0\ndevices = %s/srv\nmount_check = false\nswift_dir = %s/etc\n[pipeline:main]\npipeline = %s-server\n[app:%s-server]\nuse = egg:swift#%s\n[%s-replicator]\n[%s-auditor]\n[%s-updater]\n' \
                "$p" "$R" "$R" $n $n $n $n $n $n >$n-server.conf
        done
        # tempauth needs the cache filter in the pipeline, but not a running memcached (it only
        # caches tokens): the filter points at a free port where nothing listens.
        cat >proxy-server.conf <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port[proxy]}
workers = 0
swift_dir = $R/etc
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:s3api]
use = egg:swift#s3api
location = us-east-1
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${port[memcache]}
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
CONF
    )
    for n in object container account proxy; do
        /usr/bin/swift-$n-server "$R/etc/$n-server.conf" >"$R/log/$n.log" 2>&1 &
        pids+=($!)
    done
    SWIFT_PORT=${port[proxy]}
    SWIFT=http://127.0.0.1:$SWIFT_PORT
    wait_http "$SWIFT/healthcheck" "OpenStack Swift"
}
