"""Kite's official Python client (kiteconnect) against the simulator.

Usage: kiteconnect_compat.py REST_URL WS_URL

REST_URL is the root KiteConnect joins its paths to (http://127.0.0.1:PORT); WS_URL is the
ticker root KiteTicker appends `?api_key=…&access_token=…` to (ws://127.0.0.1:PORT/ws).
Logs in, reads the profile, places, lists, reads and cancels orders, reads LTP and instruments,
then receives ticks in each mode with the values the simulator was told to send, an order update,
and a reconnect after the simulator drops the connection. Exits non-zero with a message on the
first mismatch; prints "all checks passed" at the end.
"""
import json
import sys
import threading
import time
import urllib.request

from kiteconnect import KiteConnect, KiteTicker, exceptions

REST, WS = sys.argv[1], sys.argv[2]
INFY = 408065
DEADLINE = 10.0


def control(path, body):
    req = urllib.request.Request(REST + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=5))


def check(cond, what):
    if not cond:
        print("FAIL:", what, flush=True)
        sys.exit(1)
    print("ok:", what, flush=True)


def wait_for(cond, timeout=DEADLINE):
    """Polls `cond` until it holds or the deadline passes; returns whether it held."""
    until = time.time() + timeout
    while time.time() < until:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


# --- REST -----------------------------------------------------------------------------------
kite = KiteConnect(api_key="sim_key", root=REST)
session = kite.generate_session("any-request-token", api_secret="sim_secret")
check(session["access_token"] == "sim_token" and session["user_id"] == "SIM001", "generate_session")
kite.set_access_token(session["access_token"])
check(kite.profile()["user_id"] == "SIM001", "profile")

try:
    KiteConnect(api_key="sim_key", root=REST).generate_session("r", api_secret="wrong")
    check(False, "a wrong api_secret is refused")
except exceptions.TokenException:
    check(True, "a wrong api_secret is refused with TokenException")

order_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="INFY", transaction_type="BUY",
                            quantity=3, product="MIS", order_type="MARKET", market_protection=-1, tag="compat1")
check(isinstance(order_id, str) and len(order_id) == 15, "place_order returns an order id")
orders = kite.orders()
check(any(o["order_id"] == order_id and o["tag"] == "compat1" for o in orders), "orders() lists it with its tag")
history = kite.order_history(order_id)
check([h["status"] for h in history][-2:] == ["OPEN", "COMPLETE"], "order_history ends OPEN, COMPLETE")
check(history[-1]["filled_quantity"] == 3 and history[-1]["average_price"] == 1500, "filled at the simulator's price")
check(history[-1]["order_timestamp"] is not None, "order_timestamp parsed")

try:
    kite.place_order(variety="regular", exchange="NSE", tradingsymbol="INFY", transaction_type="BUY",
                     quantity=1, product="MIS", order_type="MARKET")
    check(False, "a MARKET order without market protection is refused")
except exceptions.InputException:
    check(True, "a MARKET order without market protection is refused with InputException")

limit_id = kite.place_order(variety="regular", exchange="NSE", tradingsymbol="INFY", transaction_type="BUY",
                            quantity=1, product="CNC", order_type="LIMIT", price=1400.05)
check(kite.order_history(limit_id)[-1]["status"] == "OPEN", "a LIMIT below the market stays OPEN")
check(kite.cancel_order(variety="regular", order_id=limit_id) == limit_id, "cancel_order")
check(kite.order_history(limit_id)[-1]["status"] == "CANCELLED", "the cancelled order is CANCELLED")

ltp = kite.ltp("NSE:INFY", "NSE:TCS")
check(ltp["NSE:INFY"] == {"instrument_token": INFY, "last_price": 1500} and ltp["NSE:TCS"]["last_price"] == 3500,
      "ltp")
instruments = kite.instruments("NSE")
symbols = {i["tradingsymbol"]: i for i in instruments}
check(all(s in symbols for s in ["TCS", "INFY", "RELIANCE", "SBIN", "NIFTY 50"]), "instruments('NSE')")
check(symbols["INFY"]["instrument_token"] == INFY and symbols["INFY"]["tick_size"] == 0.05
      and symbols["NIFTY 50"]["segment"] == "INDICES", "instrument fields")

try:
    KiteConnect(api_key="sim_key", access_token="expired-or-wrong", root=REST).profile()
    check(False, "a bad token is refused")
except exceptions.TokenException:
    check(True, "a bad token is refused with TokenException")

# --- Ticker ---------------------------------------------------------------------------------
received = {"ltp": [], "quote": [], "full": []}
updates = []
connects = []
kws = KiteTicker("sim_key", "sim_token", root=WS, reconnect_max_delay=5)


def on_ticks(ws, ticks):
    for t in ticks:
        received.setdefault(t["mode"], []).append(t)


def on_connect(ws, response):
    ws.subscribe([INFY])
    connects.append(time.time())


def on_order_update(ws, data):
    updates.append(data)


kws.on_ticks = on_ticks
kws.on_connect = on_connect
kws.on_order_update = on_order_update
kws.connect(threaded=True)
check(wait_for(lambda: len(connects) == 1), "the ticker connects")
check(wait_for(lambda: any(t["instrument_token"] == INFY for t in received["quote"])),
      "a new subscription receives quote ticks (Kite's default)")


def has_price(mode, price):
    return any(t["instrument_token"] == INFY and abs(t["last_price"] - float(price)) < 1e-9 for t in received[mode])


for mode, price in [("ltp", "1511.05"), ("quote", "1512.10"), ("full", "1513.15")]:
    # The simulator answers a mode request with the current tick in that mode: once it is here,
    # the mode is in force. Count before asking: the answer can arrive before set_mode returns.
    before = len(received[mode])
    kws.set_mode(mode, [INFY])
    check(wait_for(lambda: len(received[mode]) > before), f"the mode switch to {mode} is answered")
    control("/_sim/price", {"symbol": "INFY", "price": price})
    check(wait_for(lambda: has_price(mode, price)), f"a {mode} tick with last_price {price}")

full = [t for t in received["full"] if abs(t["last_price"] - 1513.15) < 1e-9][-1]
check(len(full["depth"]["buy"]) == 5 and len(full["depth"]["sell"]) == 5, "full ticks carry 5 + 5 depth")
check(full["ohlc"]["high"] >= 1513.15 and full["ohlc"]["close"] == 1500, "full ticks carry OHLC")
quote = [t for t in received["quote"] if abs(t["last_price"] - 1512.10) < 1e-9][-1]
check(quote["tradable"] is True and "ohlc" in quote and "volume_traded" in quote, "quote ticks carry ohlc and volume")
ltp_tick = [t for t in received["ltp"] if abs(t["last_price"] - 1511.05) < 1e-9][-1]
check(set(ltp_tick) == {"tradable", "mode", "instrument_token", "last_price"}, "ltp ticks carry the last price only")

kite.place_order(variety="regular", exchange="NSE", tradingsymbol="INFY", transaction_type="SELL",
                 quantity=3, product="MIS", order_type="MARKET", market_protection=-1, tag="compat2")
check(wait_for(lambda: any(u.get("tag") == "compat2" and u["status"] == "COMPLETE" for u in updates)),
      "on_order_update receives the order's COMPLETE update")
done = [u for u in updates if u.get("tag") == "compat2" and u["status"] == "COMPLETE"][-1]
check(done["average_price"] == 1513.15 and done["filled_quantity"] == 3, "the update carries the fill")

# The simulator drops every connection; KiteTicker reconnects and resubscribes (on_connect).
control("/_sim/disconnect", {})
check(wait_for(lambda: len(connects) == 2, timeout=15), "KiteTicker reconnects after a drop")
control("/_sim/price", {"symbol": "INFY", "price": "1514.20"})
check(wait_for(lambda: any(abs(t["last_price"] - 1514.20) < 1e-9 for m in received for t in received[m])),
      "ticks flow again after the reconnect")

kws.close()
print("kiteconnect compatibility: all checks passed", flush=True)
