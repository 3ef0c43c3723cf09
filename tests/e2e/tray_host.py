#!/usr/bin/python3
"""A tray host for the end-to-end tests (tests/e2e/tray.rs), and the window manager's close.

On the test's D-Bus session it owns org.kde.StatusNotifierWatcher, as a desktop's tray does, so
the app's tray icon (a StatusNotifierItem, through libayatana-appindicator) registers with it.
It then reads the icon's label and menu (com.canonical.dbusmenu) and clicks the menu's items as
a tray does when a person clicks them. On the virtual X display it asks the app's window to
close as a window manager's close button does (WM_DELETE_WINDOW) and tells whether the window is
shown (mapped).

Commands come one per line on stdin; each answer is one line of JSON on stdout:
  items               -> ["<bus name> <object path>", ...] registered so far
  label               -> the icon's label (the count beside it)
  menu                -> [{"id": 1, "label": "Open Holdfast", "enabled": true}, ...]
  click <label>       -> true once the item with that label was clicked
  close <pid>         -> true once the window of process <pid> was asked to close
  shown <pid>         -> whether the window of process <pid> is shown
Errors answer {"error": "..."}. With --no-tray it is no tray, only the window manager's half.
Needs python3-dbus, python3-gi and python3-xlib.
"""

import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib
from Xlib import X, display
from Xlib.protocol import event as xevent

WATCHER = "org.kde.StatusNotifierWatcher"
ITEM = "org.kde.StatusNotifierItem"
MENU = "com.canonical.dbusmenu"

DBusGMainLoop(set_as_default=True)
bus = dbus.SessionBus()
items = []


class Watcher(dbus.service.Object):
    @dbus.service.method(WATCHER, in_signature="s", out_signature="", sender_keyword="sender")
    def RegisterStatusNotifierItem(self, service, sender=None):
        # libayatana-appindicator sends its object path; others send a bus name.
        if service.startswith("/"):
            entry = f"{sender} {service}"
        else:
            entry = f"{service} /StatusNotifierItem"
        if entry not in items:
            items.append(entry)
        self.StatusNotifierItemRegistered(entry)

    @dbus.service.method(WATCHER, in_signature="s", out_signature="")
    def RegisterStatusNotifierHost(self, service):
        pass

    @dbus.service.signal(WATCHER, signature="s")
    def StatusNotifierItemRegistered(self, service):
        pass

    @dbus.service.signal(WATCHER, signature="")
    def StatusNotifierHostRegistered(self):
        pass

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self.GetAll(interface)[name]

    @dbus.service.method(dbus.PROPERTIES_IFACE, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return {
            "RegisteredStatusNotifierItems": dbus.Array(items, signature="s"),
            "IsStatusNotifierHostRegistered": dbus.Boolean(True),
            "ProtocolVersion": dbus.Int32(0),
        }


if "--no-tray" not in sys.argv[1:]:
    name = dbus.service.BusName(WATCHER, bus, do_not_queue=True)
    watcher = Watcher(bus, "/StatusNotifierWatcher")


def item():
    if not items:
        raise RuntimeError("no tray icon has registered")
    service, path = items[-1].split(" ", 1)
    return bus.get_object(service, path), service


def label():
    obj, _ = item()
    props = dbus.Interface(obj, dbus.PROPERTIES_IFACE)
    try:
        return str(props.Get(ITEM, "XAyatanaLabel"))
    except dbus.DBusException:
        return ""


def menu_object():
    obj, service = item()
    path = dbus.Interface(obj, dbus.PROPERTIES_IFACE).Get(ITEM, "Menu")
    return dbus.Interface(bus.get_object(service, path), MENU)


def entries():
    menu = menu_object()
    _revision, layout = menu.GetLayout(0, -1, dbus.Array([], signature="s"))
    found = []
    for child in layout[2]:
        ident, props, _children = child
        if props.get("type", "standard") == "separator":
            continue
        found.append({
            "id": int(ident),
            "label": str(props.get("label", "")).replace("_", ""),
            "enabled": bool(props.get("enabled", True)),
            "visible": bool(props.get("visible", True)),
        })
    return found


def click(wanted):
    menu = menu_object()
    for entry in entries():
        if entry["label"] == wanted:
            menu.Event(entry["id"], "clicked", dbus.Int32(0, variant_level=1), dbus.UInt32(0))
            return True
    raise RuntimeError(f"no menu item {wanted!r} in {[e['label'] for e in entries()]}")


def window_of(pid):
    screen = display_.screen()
    pid_atom = display_.intern_atom("_NET_WM_PID")
    pending = [screen.root]
    while pending:
        window = pending.pop()
        try:
            owner = window.get_full_property(pid_atom, X.AnyPropertyType)
            name = window.get_wm_name()
            if owner and owner.value and int(owner.value[0]) == pid and name == "Holdfast":
                return window
            pending.extend(window.query_tree().children)
        except Exception:
            continue
    raise RuntimeError(f"no window of process {pid}")


def close(pid):
    window = window_of(pid)
    protocols = display_.intern_atom("WM_PROTOCOLS")
    delete = display_.intern_atom("WM_DELETE_WINDOW")
    message = xevent.ClientMessage(
        window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
    window.send_event(message, event_mask=X.NoEventMask)
    display_.flush()
    return True


def shown(pid):
    return window_of(pid).get_attributes().map_state == X.IsViewable


display_ = display.Display()


def answer(line):
    command, _, rest = line.strip().partition(" ")
    try:
        if command == "items":
            value = list(items)
        elif command == "label":
            value = label()
        elif command == "menu":
            value = entries()
        elif command == "click":
            value = click(rest)
        elif command == "close":
            value = close(int(rest))
        elif command == "shown":
            value = shown(int(rest))
        else:
            raise RuntimeError(f"unknown command {command!r}")
        reply = json.dumps(value)
    except Exception as error:  # every failure is the test's to report
        reply = json.dumps({"error": f"{type(error).__name__}: {error}"})
    sys.stdout.write(reply + "\n")
    sys.stdout.flush()


def on_stdin(source, condition):
    line = sys.stdin.readline()
    if not line:
        loop.quit()
        return False
    answer(line)
    return True


GLib.io_add_watch(sys.stdin, GLib.IO_IN | GLib.IO_HUP, on_stdin)
sys.stdout.write(json.dumps("ready") + "\n")
sys.stdout.flush()
loop = GLib.MainLoop()
loop.run()
