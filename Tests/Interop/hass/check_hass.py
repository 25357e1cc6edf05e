"""What Home Assistant Core made of the station's MQTT discovery, through its own APIs.

Run with the Home Assistant venv's python (it has aiohttp, for the websocket API):

  check_hass.py token URL FILE
      onboards the fresh instance (creates the owner) and writes an access token to FILE.
  check_hass.py check URL TOKEN BROKER_PORT USER PASSWORD PREFIX STATION_ID OUT_JSON [--after ISO]
      waits (up to 90 s) until, for every discovery config retained on the broker under
      PREFIX/sensor/…/config, Home Assistant has exactly one MQTT sensor entity, on one device
      for the station, with the unit, device class and state class it should have, and states
      equal to the retained state message (the newest reading the station published). Writes
      that state message to OUT_JSON. With --after, the entities' states must also have been
      written by Home Assistant after that time (not restored from before a restart).

Every failure names the entity, the attribute, what was expected and what Home Assistant has.
"""
import asyncio, datetime, json, math, re, subprocess, sys, time, urllib.request

import aiohttp

# What Home Assistant must show for the measurements the issue names (its device classes and
# its spelling of the units), independent of what the publisher announces.
EXPECTED = {
    "temperature": ("°C", "temperature"),
    "raw_temperature": ("°C", "temperature"),
    "humidity": ("%", "humidity"),
    "raw_humidity": ("%", "humidity"),
    "pressure": ("hPa", "atmospheric_pressure"),
    "pm1": ("µg/m³", "pm1"),
    "pm25": ("µg/m³", "pm25"),
    "pm10": ("µg/m³", "pm10"),
    "lux": ("lx", "illuminance"),
}


def fail(msg):
    print(f"check_hass.py: FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def post(url, data, form=False):
    body = (urllib.parse.urlencode(data) if form else json.dumps(data)).encode()
    ctype = "application/x-www-form-urlencoded" if form else "application/json"
    req = urllib.request.Request(url, body, {"Content-Type": ctype})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def token(url, path):
    client_id = url + "/"
    code = None
    for _ in range(150):  # the onboarding view comes up with the frontend, a moment after HTTP
        try:
            code = post(url + "/api/onboarding/users", {
                "client_id": client_id, "name": "Test Owner", "username": "owner",
                "password": "opensensor-test-pass", "language": "en"})["auth_code"]
            break
        except urllib.error.HTTPError as e:
            if e.code != 404:
                fail(f"POST /api/onboarding/users answered {e.code}: {e.read()[:300]!r}")
        except OSError:
            pass
        time.sleep(0.2)
    if code is None:
        fail("POST /api/onboarding/users never answered")
    tok = post(url + "/auth/token", {"grant_type": "authorization_code", "code": code,
                                     "client_id": client_id}, form=True)
    open(path, "w").write(tok["access_token"])


def mqtt_retained(port, user, password, topic, one=False):
    """The retained messages on the broker matching topic, as {topic: payload}; with one, the
    single retained message of a plain topic (at once, instead of waiting for the time-out)."""
    limit = ["-C", "1"] if one else []
    out = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-u", user,
                          "-P", password, "-t", topic, "-v", "--retained-only", "-W", "1", *limit],
                         capture_output=True, text=True)
    if out.returncode not in (0, 27):  # 27: the -W timeout, the normal end here
        fail(f"mosquitto_sub {topic} exited {out.returncode}: {out.stderr.strip()}")
    found = {}
    for line in out.stdout.splitlines():
        t, _, payload = line.partition(" ")
        if payload:
            found[t] = payload
    return found


def template_key(config):
    m = re.fullmatch(r"\{\{\s*value_json(?:\.(\w+)|\[['\"](\w+)['\"]\])\s*\}\}",
                     config.get("value_template", ""))
    return (m.group(1) or m.group(2)) if m else None


async def ws_call(session, url, token, *types):
    async with session.ws_connect(url.replace("http", "ws", 1) + "/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json())["type"] != "auth_ok":
            fail("the websocket API refused the token")
        results = []
        for i, t in enumerate(types, 1):
            await ws.send_json({"id": i, "type": t})
            msg = await ws.receive_json()
            if not msg.get("success"):
                fail(f"websocket {t}: {msg}")
            results.append(msg["result"])
        return results


def problems(configs, state_msg, registry, devices, states, station, after):
    """Everything wrong with Home Assistant's view, as readable lines (empty: all good)."""
    errs = []
    by_uid = {}
    for e in registry:
        if e["platform"] == "mqtt":
            by_uid.setdefault(e["unique_id"], []).append(e)
    ours = [d for d in devices if ["mqtt", station] in d["identifiers"]]
    if len(ours) != 1:
        return [f"{len(ours)} devices with identifiers [mqtt, {station}], expected 1"]
    dev = ours[0]
    if dev.get("model") != "Enviro+":
        errs.append(f"device model {dev.get('model')!r}, expected 'Enviro+'")
    if not dev.get("sw_version"):
        errs.append("device has no sw_version")
    sensor_states = {s["entity_id"]: s for s in states if s["entity_id"].startswith("sensor.")}
    wanted = set()
    for topic, cfg in configs.items():
        uid = cfg.get("unique_id")
        column = topic.split("/")[-2]
        entries = by_uid.get(uid, [])
        if len(entries) != 1:
            errs.append(f"{topic}: {len(entries)} entities with unique_id {uid!r}, expected 1")
            continue
        ent = entries[0]
        wanted.add(ent["entity_id"])
        if ent["device_id"] != dev["id"]:
            errs.append(f"{ent['entity_id']}: not on the station's device")
        st = sensor_states.get(ent["entity_id"])
        if st is None:
            errs.append(f"{ent['entity_id']}: no state in /api/states")
            continue
        attrs = st["attributes"]
        unit, dclass = EXPECTED.get(column, (cfg.get("unit_of_measurement"), cfg.get("device_class")))
        for name, want in (("unit_of_measurement", unit), ("device_class", dclass),
                           ("state_class", "measurement")):
            if attrs.get(name) != want:
                errs.append(f"{ent['entity_id']}: {name} is {attrs.get(name)!r}, expected {want!r}")
        if attrs.get("restored"):
            errs.append(f"{ent['entity_id']}: state restored from before the restart, not live")
        if after and st["last_updated"] <= after:
            errs.append(f"{ent['entity_id']}: last updated {st['last_updated']}, before {after}")
        key = template_key(cfg)
        if key is None:
            errs.append(f"{topic}: value_template {cfg.get('value_template')!r} is not value_json.<key>")
            continue
        if key not in state_msg:
            errs.append(f"{ent['entity_id']}: the state message has no {key!r}")
            continue
        want, got = state_msg[key], st["state"]
        if want is None:
            if got != "unknown":
                errs.append(f"{ent['entity_id']}: state {got!r}, the newest reading has null")
        else:
            try:
                ok = math.isclose(float(got), float(want), rel_tol=1e-6, abs_tol=1e-9)
            except ValueError:
                ok = False
            if not ok:
                errs.append(f"{ent['entity_id']}: state {got!r}, the newest reading has {want!r}")
    extra = sorted(set(sensor_states) - wanted)
    if extra:
        errs.append(f"sensor entities nobody announced: {extra}")
    return errs


async def check(url, token, port, user, password, prefix, station, out, after):
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 90
    last = ["nothing checked yet"]
    async with aiohttp.ClientSession(headers=headers) as session:
        while time.monotonic() < deadline:
            raw = mqtt_retained(port, user, password, f"{prefix}/sensor/+/+/config")
            configs = {t: json.loads(p) for t, p in raw.items()}
            state_topics = {c.get("state_topic") for c in configs.values()}
            if len(configs) < len(EXPECTED) or len(state_topics) != 1:
                last = [f"{len(configs)} discovery configs retained, state topics {state_topics}"]
                await asyncio.sleep(1)
                continue
            (state_topic,) = state_topics
            before = mqtt_retained(port, user, password, state_topic, True).get(state_topic)
            registry, devices = await ws_call(session, url, token, "config/entity_registry/list",
                                              "config/device_registry/list")
            async with session.get(url + "/api/states") as r:
                if r.status != 200:
                    fail(f"GET /api/states answered {r.status}")
                states = await r.json()
            after_read = mqtt_retained(port, user, password, state_topic, True).get(state_topic)
            if before is None or before != after_read:
                last = ["no retained state yet" if before is None else "a reading arrived mid-check"]
                await asyncio.sleep(0.3)  # the station moved on while we read: take another look
                continue
            state_msg = json.loads(before)
            last = problems(configs, state_msg, registry, devices, states, station, after)
            if not last:
                json.dump(state_msg, open(out, "w"))
                print(f"  [hass] {len(configs)} discovery configs, {len(configs)} sensor entities on "
                      f"one device; units, device classes and states as the reading of "
                      f"{state_msg.get('timestamp')}")
                return
            await asyncio.sleep(1)
    fail("after 90 s Home Assistant still shows:\n  " + "\n  ".join(last))


def main():
    if sys.argv[1:2] == ["token"]:
        token(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["check"]:
        args = sys.argv[2:]
        after = None
        if "--after" in args:
            i = args.index("--after")
            after = args[i + 1]
            del args[i:i + 2]
        url, tok, port, user, password, prefix, station, out = args
        asyncio.run(check(url, open(tok).read().strip(), port, user, password, prefix, station,
                          out, after))
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
