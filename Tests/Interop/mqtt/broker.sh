# Mosquitto (Debian's) as a test peer, sourced by the interop scripts that need an MQTT broker.
#
#   source Tests/Interop/mqtt/broker.sh
#   start_mosquitto DIR USER PASSWORD [tls]
#
# Starts `mosquitto` in the foreground on 127.0.0.1 with a password file (anonymous clients
# refused) and, with `tls`, a second listener with a server certificate from a test CA made here
# with openssl. Sets MQTT_PORT, MQTT_PID, and with tls MQTT_TLS_PORT and MQTT_CA (the CA's PEM);
# appends the PID to the caller's `pids` array when there is one, so its EXIT trap stops it.
# `stop_mosquitto` stops it (by PID) and waits; `restart_mosquitto` starts it again on the same
# ports. The caller defines `die`. Mosquitto started as root drops to its own user, which cannot
# read a private temporary folder; `user` set to whoever runs the test keeps it as that user.

_mqtt_free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_mosquitto() {
    local dir=$1 user=$2 pass=$3 tls=${4:-}
    command -v mosquitto >/dev/null || die "mosquitto is missing (apt-get install mosquitto mosquitto-clients)"
    command -v mosquitto_pub >/dev/null || die "mosquitto_pub is missing (apt-get install mosquitto-clients)"
    mkdir -p "$dir"
    MQTT_DIR=$dir MQTT_USER=$user MQTT_PASS=$pass
    MQTT_PORT=$(_mqtt_free_port)
    : >"$dir/passwd"
    mosquitto_passwd -b "$dir/passwd" "$user" "$pass" || die "mosquitto_passwd"
    {
        echo "user $(id -un)"
        echo "per_listener_settings false"
        echo "allow_anonymous false"
        echo "password_file $dir/passwd"
        echo "persistence false"
        echo "log_dest stdout"
        echo "log_type error"
        echo "log_type warning"
        echo "log_type notice"
        echo "log_type information"
        echo "connection_messages true"
        echo "listener $MQTT_PORT 127.0.0.1"
    } >"$dir/mosquitto.conf"
    if [[ $tls == tls ]]; then
        MQTT_TLS_PORT=$(_mqtt_free_port)
        MQTT_CA=$dir/ca.pem
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=opensensor test CA" \
            -keyout "$dir/ca.key" -out "$MQTT_CA" >/dev/null 2>&1 || die "openssl: test CA"
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1 || die "openssl: server key"
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
        openssl x509 -req -in "$dir/server.csr" -CA "$MQTT_CA" -CAkey "$dir/ca.key" -CAcreateserial \
            -days 2 -extfile "$dir/san.ext" -out "$dir/server.pem" >/dev/null 2>&1 || die "openssl: server certificate"
        {
            echo "listener $MQTT_TLS_PORT 127.0.0.1"
            echo "cafile $MQTT_CA"
            echo "certfile $dir/server.pem"
            echo "keyfile $dir/server.key"
        } >>"$dir/mosquitto.conf"
    fi
    chmod 600 "$dir/passwd"
    _mqtt_launch
}

_mqtt_launch() {
    mosquitto -c "$MQTT_DIR/mosquitto.conf" >>"$MQTT_DIR/mosquitto.log" 2>&1 &
    MQTT_PID=$!
    if declare -p pids >/dev/null 2>&1; then pids+=("$MQTT_PID"); fi
    local i
    for i in $(seq 1 100); do
        if mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -u "$MQTT_USER" -P "$MQTT_PASS" \
            -t opensensor-test/probe -n -q 1 2>/dev/null; then
            return 0
        fi
        kill -0 "$MQTT_PID" 2>/dev/null || die "mosquitto exited: $(tail -5 "$MQTT_DIR/mosquitto.log")"
        sleep 0.1
    done
    die "mosquitto did not accept a client on 127.0.0.1:$MQTT_PORT within 10 s"
}

stop_mosquitto() {
    kill "$MQTT_PID" 2>/dev/null || true
    wait "$MQTT_PID" 2>/dev/null || true
}

restart_mosquitto() { _mqtt_launch; }
