#!/usr/bin/python3
"""WebKit suite: a WebKitGTK member (the engine of every iPhone browser)
joins a room made in Chromium, against the real build/servchat and
build/chatroom on loopback.

WebKit is driven by Debian's WebKitWebDriver through python3-selenium; the
Chromium member by test/webkit/chromium.mjs (playwright-core), a child
speaking JSON lines: both are real browsers running the real client, so
the room's end-to-end format is never reimplemented here.

Usage (under xvfb-run -a): run.py; SANCTUARY_BUILD is the build directory.
Ends with "webkit: N passed, N failed"; exits 1 on any failure.
"""

import glob
import json
import os
import socket
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.abspath(os.environ.get("SANCTUARY_BUILD", os.path.join(ROOT, "build")))
SHOTS = os.path.join(BUILD, "screenshots")

passed = failed = 0
failures = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(argv):
    """Starts a daemon and waits for its banner line."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if not line:
        raise RuntimeError(argv[0] + " printed no banner: " + p.stderr.read())
    return p


class Chromium:
    """The Chromium member, through chromium.mjs."""

    def __init__(self):
        self.p = subprocess.Popen(["node", os.path.join(HERE, "chromium.mjs")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def do(self, op, **kw):
        kw["op"] = op
        self.p.stdin.write(json.dumps(kw) + "\n")
        self.p.stdin.flush()
        r = json.loads(self.p.stdout.readline())
        if not r["ok"]:
            raise AssertionError("chromium " + op + ": " + r["error"])
        return r["value"]

    def quit(self):
        try:
            self.p.stdin.write('{"op":"quit"}\n')
            self.p.stdin.flush()
            self.p.wait(10)
        except Exception:
            self.p.kill()


def minibrowser():
    found = glob.glob("/usr/lib/*/webkit2gtk-4.1/MiniBrowser")
    if not found:
        raise RuntimeError("no MiniBrowser: install webkit2gtk-driver (mk/deps.sh)")
    return found[0]


def test(title, fn):
    global passed, failed
    t0 = time.time()
    try:
        fn()
        passed += 1
        print("ok   %s (%d ms)" % (title, (time.time() - t0) * 1000), flush=True)
    except Exception as e:
        failed += 1
        failures.append(title)
        print("FAIL %s: %s" % (title, str(e).split("\n")[0]), flush=True)
        try:
            wk.save_screenshot(os.path.join(SHOTS, "webkit-fail-%d.png" % failed))
        except Exception:
            pass


def wait(pred, what, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def wk_log():
    return wk.execute_script("return document.getElementById('log').textContent")


def wk_wait_log(text):
    wait(lambda: text in wk_log(), "WebKit to see " + repr(text))


def wk_say(text):
    box = wk.find_element(By.ID, "message")
    box.clear()
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    wait(lambda: box.get_attribute("value") == "", "the composer to clear after " + repr(text))


def wk_join(link, alias):
    wk.get(link)
    WebDriverWait(wk, 15).until(EC.visibility_of_element_located((By.ID, "join-alias")))
    wk.find_element(By.ID, "join-alias").send_keys(alias)
    wk.find_element(By.ID, "join-button").click()
    wait(lambda: wk.execute_script("return !document.getElementById('room').hidden"),
         "WebKit to enter the room")


def wk_storage():
    return wk.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const idb = indexedDB.databases ? indexedDB.databases() : Promise.resolve([]);
        idb.then((d) => done([localStorage.length, sessionStorage.length,
            document.cookie, d.length]));
    """)


def wk_in_lobby():
    return wk.execute_script("return !document.getElementById('lobby').hidden && "
                             "document.getElementById('room').hidden")


def main():
    global wk
    os.makedirs(SHOTS, exist_ok=True)
    relay, proxy_free, serv = free_port(), None, free_port()
    chatroom = start([os.path.join(BUILD, "chatroom"), "-c", str(relay), "-4",
                      "--bind", "127.0.0.1", "--max-per-ip", "1000"])
    servchat = start([os.path.join(BUILD, "servchat"), "-s", str(serv), "-c", str(relay),
                      "-4", "--bind", "127.0.0.1", "--max-per-ip", "1000"])
    url = "http://127.0.0.1:%d/" % serv
    chro = Chromium()
    opts = webdriver.WebKitGTKOptions()
    opts.binary_location = minibrowser()
    opts.add_argument("--automation")
    wk = webdriver.WebKitGTK(options=opts)
    wk.set_window_size(480, 900)
    st = {}
    try:
        def join():
            st["link"] = chro.do("create", url=url, alias="chro")
            wk_join(st["link"], "webk")
            chro.do("wait", sel="#log", text="webk joined.")
            # textContent: the list sits in a drawer hidden on a narrow window.
            wait(lambda: "chro" in wk.execute_script(
                "return document.getElementById('member-list').textContent"),
                 "WebKit to list chro")
        test("webkit: joins a room made in Chromium", join)

        def both_ways():
            wk_say("hello from <b>WebKit</b>")
            chro.do("wait", sel="#log .msg .bubble b", text="WebKit")
            chro.do("say", text="and <i>hello</i> from Chromium")
            wk_wait_log("hello from Chromium")
            i = wk.execute_script("const b = document.querySelectorAll('#log .msg .bubble i');"
                                  "return b.length ? b[b.length - 1].textContent : null")
            assert i == "hello", "formatting in WebKit: %r" % i
            wk.save_screenshot(os.path.join(SHOTS, "webkit-room.png"))
        test("webkit: messages both ways, formatting rendered in both engines", both_ways)

        def literal():
            for text in ["if a<b and b>c then a<c", "use the <div> tag, or <template>", "<script>"]:
                chro.do("say", text=text)
                wk_wait_log(text)
                wk_say("echo " + text)
                chro.do("wait", sel="#log .msg .bubble", text="echo " + text)
        test("webkit: text with < and > shows as typed (issue 12, item 3)", literal)

        def whispers():
            wk_say("/purr chro psst from WebKit")
            got = chro.do("wait", sel="#log .msg.whisper", text="psst from WebKit")
            assert "whisper from" in got, got
            chro.do("say", text="/purr webk psst back")
            wait(lambda: wk.execute_script(
                "return Array.from(document.querySelectorAll('#log .msg.whisper'))"
                ".some((m) => m.textContent.includes('psst back') && "
                "m.textContent.includes('whisper from'))"), "the whisper in WebKit")
        test("webkit: whispers both ways", whispers)

        def reload_leaves():
            wk.refresh()
            wait(wk_in_lobby, "the lobby after reload")
            note = wk.find_element(By.ID, "lobby-note").text
            assert "a reload or Back always leaves" in note, "lobby note: %r" % note
            chro.do("wait", sel="#log", text="webk left.")
            assert wk_storage() == [0, 0, "", 0], wk_storage()
        test("webkit: a reload leaves and the lobby says why (issue 12, item 4)", reload_leaves)

        def farewell():
            wk_join(st["link"], "webk")
            chro.do("wait", sel="#log", text="webk joined.")
            wk.find_element(By.ID, "leave-button").click()
            WebDriverWait(wk, 10).until(EC.visibility_of_element_located((By.ID, "farewell")))
            wk.find_element(By.ID, "farewell").send_keys("bye from WebKit")
            wk.find_element(By.ID, "leave-confirm").click()
            wait(wk_in_lobby, "the lobby after leaving")
            chro.do("wait", sel="#log", text="webk left: “bye from WebKit”")
            s = wk_storage()
            assert s == [0, 0, "", 0], "storage after leaving: %r" % (s,)
            assert wk.get_cookies() == [], wk.get_cookies()
            left = wk.execute_script(
                "return [document.getElementById('log').childElementCount, location.hash,"
                " document.documentElement.outerHTML.includes('psst')]")
            assert left == [0, "", False], "traces after leaving: %r" % (left,)
            assert chro.do("errors") == []
        test("webkit: leaves with a farewell and leaves no storage or trace behind", farewell)
    finally:
        wk.quit()
        chro.quit()
        for p in (servchat, chatroom):
            p.terminate()
            p.wait(5)
    if failures:
        print("failed: " + "; ".join(failures))
    print("webkit: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
