"""The harness's self-test (run-hass.sh --selftest): a stand-in for the station that publishes
discovery configs and states by hand, as Home Assistant's MQTT discovery documentation describes
them, so the harness can be checked without the opensensor binary. Uses paho-mqtt from the Home
Assistant venv (its MQTT integration installed it).

  fake_station.py PORT USER PASSWORD PREFIX STATION_ID
"""
import json, random, sys, time, datetime

import paho.mqtt.client as mqtt

port, user, password, prefix, station = sys.argv[1:6]
base = f"opensensor/{station}"
COLUMNS = {"temperature": ("°C", "temperature"), "raw_temperature": ("°C", "temperature"),
           "humidity": ("%", "humidity"), "raw_humidity": ("%", "humidity"),
           "pressure": ("hPa", "atmospheric_pressure"), "pm1": ("µg/m³", "pm1"),
           "pm25": ("µg/m³", "pm25"), "pm10": ("µg/m³", "pm10"), "lux": ("lx", "illuminance"),
           "nh3": ("kΩ", None)}


def announce(client):
    for col, (unit, dclass) in COLUMNS.items():
        cfg = {"name": col, "unique_id": f"fake_{station}_{col}", "state_topic": base + "/state",
               "value_template": "{{ value_json.%s }}" % col, "unit_of_measurement": unit,
               "state_class": "measurement",
               "device": {"identifiers": [station], "model": "Enviro+", "sw_version": "selftest"}}
        if dclass:
            cfg["device_class"] = dclass
        client.publish(f"{prefix}/sensor/fake-{station}/{col}/config", json.dumps(cfg), 1, True)


def on_message(client, _userdata, msg):
    if msg.payload == b"online":
        announce(client)


client = mqtt.Client()
client.username_pw_set(user, password)
client.on_connect = lambda c, *_: (c.subscribe(f"{prefix}/status"), announce(c))
client.on_message = on_message
client.connect("127.0.0.1", int(port))
client.loop_start()
while True:
    state = {"timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat()}
    for col in COLUMNS:
        state[col] = round(random.uniform(1, 1000), 3)
    state["nh3"] = None
    client.publish(base + "/state", json.dumps(state), 1, True)
    time.sleep(2)
