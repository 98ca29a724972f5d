"""Kite's official Python client (kiteconnect) against the simulator.

Usage: kiteconnect_compat.py REST_URL WS_URL
Logs in, reads the profile, places, lists and reads orders, then receives ticks in each mode
with the values the simulator was told to send. Exits non-zero with a message on any mismatch.
"""
import json
import sys
import threading
import time
import urllib.request

from kiteconnect import KiteConnect, KiteTicker

REST, WS = sys.argv[1], sys.argv[2]


def control(path, body):
    req = urllib.request.Request(REST + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
    print("ok:", what)


kite = KiteConnect(api_key="sim_key", root=REST)
session = kite.generate_session("any-request-token", api_secret="sim_secret")
check(session["access_token"] == "sim_token" and session["user_id"] == "SIM001", "generate_session")
kite.set_access_token(session["access_token"])
check(kite.profile()["user_id"] == "SIM001", "profile")
order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="INFY", transaction_type="BUY",
                            quantity=3, product="MIS", order_type="MARKET", market_protection=-1, tag="compat1")
check(isinstance(order_id, str) and order_id, "place_order returns an order id")
orders = kite.orders()
check(any(o["order_id"] == order_id and o["tag"] == "compat1" for o in orders), "orders lists it with its tag")
history = kite.order_history(order_id)
check(history[-1]["status"] == "COMPLETE" and history[-1]["filled_quantity"] == 3, "order_history ends COMPLETE")
check(history[-1]["average_price"] == 1500.0, "filled at the simulator's price")
try:
    kite.place_order(variety="regular", exchange="NSE", tradingsymbol="INFY", transaction_type="BUY",
                     quantity=1, product="MIS", order_type="MARKET")
    check(False, "a MARKET order without market protection is refused")
except Exception as e:  # kiteconnect raises InputException
    check(type(e).__name__ == "InputException", "a MARKET order without market protection is refused")

received = {"ltp": [], "quote": [], "full": []}
done = threading.Event()
kws = KiteTicker("sim_key", "sim_token", root=WS)


def on_ticks(ws, ticks):
    for t in ticks:
        received.setdefault(t["mode"], []).append(t)


def on_connect(ws, response):
    ws.subscribe([408065])
    done.set()


kws.on_ticks = on_ticks
kws.on_connect = on_connect
kws.connect(threaded=True)
check(done.wait(10), "the ticker connects")
for mode, price in [("ltp", "1511.05"), ("quote", "1512.10"), ("full", "1513.15")]:
    kws.set_mode(mode, [408065])
    time.sleep(0.3)
    control("/_sim/price", {"symbol": "INFY", "price": price})
    deadline = time.time() + 5
    while time.time() < deadline and not any(abs(t["last_price"] - float(price)) < 1e-9 for t in received[mode]):
        time.sleep(0.05)
    check(any(abs(t["last_price"] - float(price)) < 1e-9 for t in received[mode]), f"a {mode} tick with last_price {price}")
full = [t for t in received["full"] if abs(t["last_price"] - 1513.15) < 1e-9][-1]
check(len(full["depth"]["buy"]) == 5 and len(full["depth"]["sell"]) == 5, "full ticks carry 5 + 5 depth")
quote = received["quote"][-1]
check("ohlc" in quote and quote["tradable"] is True, "quote ticks carry ohlc")
kws.close()
print("kiteconnect compatibility: all checks passed")
