#!/usr/bin/env python3
"""Reference byte stream of the Enviro+ screen, from Pimoroni's st7735 library.

Produces st7735-reference.json beside this file: what the library sends when the Enviro+
examples construct it (port 0, cs 1 = CE1, dc GPIO9, backlight GPIO12, rotation 270,
spi_speed_hz 10 MHz; the library's defaults width 80, height 160, invert, bgr), then what one
display(image) of a known 160x80 image sends.

How it was produced (Python 3.11): st7735 1.0.0, numpy and Pillow installed from pip's default
index into a throwaway virtual environment outside the repository, without the library's
hardware dependencies, which are mocked below:

    python3 -m venv VENV
    VENV/bin/pip install --no-deps st7735==1.0.0 numpy pillow
    VENV/bin/python Tests/DriversTests/Fixtures/st7735_reference.py

The hardware modules the library imports (spidev, gpiod, gpiodevice) are replaced by the small
mocks below, which record one event list: every GPIO level set, every time.sleep, and every SPI
transfer (xfer3) with the DC line's level at that moment. Real spidev splits an xfer3 into
transfers of its buffer size (4096); the mock records the call whole, as the Swift test compares
the bytes and DC levels the panel sees, not where chip select toggles.

The test image: pixel (x, y), x in 0..<160, y in 0..<80, has
    r = (x * 3 + y * 2) & 0xFF, g = (x * y) & 0xFF, b = (255 - x - y) & 0xFF
so every row and column differs and a swapped or mirrored axis shows.
"""
import base64
import json
import os
import sys
import time
import types

events = []
dc_level = {"value": None}


def record_gpio(line, value):
    if line == "GPIO9":
        dc_level["value"] = bool(value)
    else:
        events.append({"gpio": line, "high": bool(value)})


# gpiod: the library only builds LineSettings and reads Value/Direction.
gpiod = types.ModuleType("gpiod")
gpiod_line = types.ModuleType("gpiod.line")


class Direction:
    OUTPUT = "output"


class Value:
    ACTIVE = 1
    INACTIVE = 0


class LineSettings:
    def __init__(self, direction=None, output_value=None):
        self.direction = direction
        self.output_value = output_value


gpiod_line.Direction = Direction
gpiod_line.Value = Value
gpiod.line = gpiod_line
gpiod.LineSettings = LineSettings
sys.modules["gpiod"] = gpiod
sys.modules["gpiod.line"] = gpiod_line


class Lines:
    def __init__(self, name):
        self.name = name

    def set_value(self, offset, value):
        record_gpio(self.name, value == Value.ACTIVE)


gpiodevice = types.ModuleType("gpiodevice")
gpiodevice.friendly_errors = False


def get_pin(pin, label, settings):
    events.append({"request": pin, "consumer": label, "high": settings.output_value == Value.ACTIVE})
    if pin == "GPIO9":
        dc_level["value"] = settings.output_value == Value.ACTIVE
    return (Lines(pin), 0)


gpiodevice.get_pin = get_pin
sys.modules["gpiodevice"] = gpiodevice

spi_settings = {}


class SpiDev:
    def __init__(self, port, cs):
        spi_settings["port"] = port
        spi_settings["cs"] = cs

    def __setattr__(self, key, value):
        spi_settings[key] = value

    def xfer3(self, data):
        events.append({"dc_high": dc_level["value"], "bytes": bytes(int(b) & 0xFF for b in data)})


spidev = types.ModuleType("spidev")
spidev.SpiDev = SpiDev
sys.modules["spidev"] = spidev

time.sleep = lambda seconds: events.append({"sleep_ms": round(seconds * 1000)})

import st7735  # noqa: E402  (after the mocks)
from PIL import Image  # noqa: E402


def take():
    """The events so far, with consecutive DC-high transfers merged (the panel cannot tell them
    apart) and bytes as base64."""
    out = []
    for e in events:
        if "bytes" in e and e["dc_high"] and out and out[-1].get("dc_high") and "raw" in out[-1]:
            out[-1]["raw"] += e["bytes"]
            continue
        if "bytes" in e:
            out.append({"dc_high": e["dc_high"], "raw": e["bytes"]})
        else:
            out.append(dict(e))
    events.clear()
    for e in out:
        if "raw" in e:
            e["bytes"] = base64.b64encode(e.pop("raw")).decode()
    return out


display = st7735.ST7735(port=0, cs=1, dc="GPIO9", backlight="GPIO12", rotation=270, spi_speed_hz=10000000)
init_events = take()

image = Image.new("RGB", (160, 80))
image.putdata([((x * 3 + y * 2) & 0xFF, (x * y) & 0xFF, (255 - x - y) & 0xFF) for y in range(80) for x in range(160)])
display.display(image)
frame_events = take()

display.set_backlight(False)
backlight_off = take()

fixture = {
    "about": "What Pimoroni's st7735 library sends to the Enviro+ screen, recorded through mock spidev and "
             "gpiod modules by st7735_reference.py (beside this file, which says how). Each event is a GPIO "
             "request or level (DC excluded: it is each transfer's dc_high), a sleep, or SPI bytes (base64) "
             "with consecutive data transfers merged.",
    "generator": {"st7735": st7735.__version__, "python": sys.version.split()[0]},
    "constructor": {"port": 0, "cs": 1, "dc": "GPIO9", "backlight": "GPIO12", "rotation": 270, "spi_speed_hz": 10000000},
    "spi": {k: spi_settings[k] for k in sorted(spi_settings)},
    "image": "pixel (x, y): r = (x*3 + y*2) & 255, g = (x*y) & 255, b = (255 - x - y) & 255; 160 x 80",
    "init": init_events,
    "frame": frame_events,
    "backlight_off": backlight_off,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "st7735-reference.json")
with open(path, "w") as f:
    json.dump(fixture, f, indent=1)
    f.write("\n")
print(path)
