"""Measures the release build under Xvfb: from process start to the sign-in screen, and resident
memory when idle after opening a chart. Run by scripts/measure-desktop.sh; prints JSON.

The clinic's key is in a real Secret Service keyring (gnome-keyring in a private D-Bus session),
as on a desktop, so the app opens straight to sign-in."""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.options import ArgOptions  # noqa: E402

from helpers import ctrl, fill, find, click, text_appears  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def started_at(pid: int) -> float:
    """When the process started, as a wall-clock time. /proc gives it in clock ticks since boot;
    the boot's own wall-clock time in /proc/stat (`btime`) is rounded to the second, which once
    put every start-up figure off by up to a second, so the boot is placed from the boot clock
    read now instead."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    since_boot = int(fields[19]) / CLOCK_TICKS
    return time.time() - (time.clock_gettime(time.CLOCK_BOOTTIME) - since_boot)


def processes(name_parts):
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                comm = (d / "comm").read_text().strip()
            except OSError:
                continue
            if any(p in comm for p in name_parts):
                out.append((int(d.name), comm))
    return out


def memory(pid: int) -> tuple[int, int]:
    rss = pss = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        if line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


def largest_mappings(pid: int, count: int = 12) -> dict[str, int]:
    """Resident kB per mapped file (or [heap], [anon], …) of one process, the largest first:
    where its RSS goes."""
    per: dict[str, int] = {}
    name = "[anon]"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        first = line.split(maxsplit=1)[0]
        if not first.endswith(":"):
            parts = line.split(maxsplit=5)
            name = parts[5].strip() if len(parts) > 5 else "[anon]"
            name = name.rsplit("/", 1)[-1]
        elif first == "Rss:":
            per[name] = per.get(name, 0) + int(line.split()[1])
    return dict(sorted(per.items(), key=lambda kv: -kv[1])[:count])


def session(driver_url, app, data_dir):
    options = ArgOptions()
    options.set_capability("browserName", "wry")
    options.set_capability("tauri:options", {"application": app, "args": ["--data-dir", str(data_dir)]})
    return webdriver.Remote(command_executor=driver_url, options=options)


def main():
    driver_url, app, data_dir, runs = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    startups = []
    # Where a start goes: the native part (process start to the page's first navigation: GTK,
    # the window, the webview and its web process) and the page's part (scripts, the first
    # call into the app, the sign-in form drawn).
    native, page = [], []
    # The first start unlocks with the passphrase, which puts the key in the keyring.
    d = session(driver_url, app, data_dir)
    fill(d, "passphrase", os.environ.get("TEND_MEASURE_PASSPHRASE", "demo clinic passphrase"))
    click(d, "form button[type=submit]")
    find(d, "#username")
    d.quit()
    time.sleep(1)
    for _ in range(runs):
        d = session(driver_url, app, data_dir)
        find(d, "#username", 30)
        origin, shown = d.execute_script(
            "const m = performance.getEntriesByName('tend:sign-in-shown')[0];"
            "return [performance.timeOrigin, m ? performance.timeOrigin + m.startTime : null];"
        )
        pid = max(p for p, comm in processes(["tend-desktop"]))
        startups.append(shown / 1000 - started_at(pid))
        native.append(origin / 1000 - started_at(pid))
        page.append((shown - origin) / 1000)
        d.quit()
        time.sleep(1)

    d = session(driver_url, app, data_dir)
    fill(d, "username", os.environ.get("TEND_MEASURE_USER", "ana"))
    fill(d, "password", os.environ.get("TEND_MEASURE_PASSWORD", "ana demo password"))
    click(d, "form button[type=submit]")
    find(d, "#open_search")
    ctrl(d, "k")
    fill(d, "patient_query", "an")
    try:
        find(d, "#patient_hits li", 20)
    except Exception:
        d.save_screenshot("/tmp/measure-failed.png")
        raise
    from selenium.webdriver.common.keys import Keys

    find(d, "#patient_query").send_keys(Keys.ENTER)
    find(d, ".banner")
    find(d, "#tab_summary")
    time.sleep(20)
    procs = processes(["tend-desktop", "WebKitWebProces", "WebKitNetworkPr"])
    mem = {f"{comm}[{pid}]": memory(pid) for pid, comm in procs}
    shell_maps = {f"{comm}[{pid}]": largest_mappings(pid) for pid, comm in procs if comm.startswith("tend-desktop")}
    # Then what a doctor does next in most visits: look up a diagnosis, which loads the
    # ICD-10-CM catalog for the rest of the day.
    click(d, "#tab_problems")
    fill(d, "description", "hypert")
    find(d, "ul.choices li", 20)
    time.sleep(20)
    after_icd = {f"{comm}[{pid}]": memory(pid) for pid, comm in procs}
    # Then left alone: the sync badge still polls every 5 s, and what it reads must not grow.
    time.sleep(80)
    after_idle = {f"{comm}[{pid}]": memory(pid) for pid, comm in procs}
    shell_maps_after_idle = {
        f"{comm}[{pid}]": largest_mappings(pid) for pid, comm in procs if comm.startswith("tend-desktop")
    }
    d.quit()
    total_rss = sum(r for r, _ in mem.values()) / 1024
    total_pss = sum(p for _, p in mem.values()) / 1024
    shell_rss = sum(r for k, (r, _) in mem.items() if k.startswith("tend-desktop")) / 1024
    print(json.dumps({
        "start_to_sign_in_s": {"runs": [round(s, 3) for s in startups], "median": round(statistics.median(startups), 3), "max": round(max(startups), 3),
                              "native_median": round(statistics.median(native), 3), "page_median": round(statistics.median(page), 3)},
        "idle_after_chart_mb": {"shell_rss": round(shell_rss, 1), "total_rss": round(total_rss, 1), "total_pss": round(total_pss, 1)},
        "processes": {k: {"rss_kb": r, "pss_kb": p} for k, (r, p) in mem.items()},
        "idle_after_icd_search_shell_rss_mb": round(
            sum(r for k, (r, _) in after_icd.items() if k.startswith("tend-desktop")) / 1024, 1
        ),
        "idle_100_s_after_icd_search_shell_rss_mb": round(
            sum(r for k, (r, _) in after_idle.items() if k.startswith("tend-desktop")) / 1024, 1
        ),
        "shell_largest_mappings_kb": shell_maps,
        "shell_largest_mappings_after_100_s_kb": shell_maps_after_idle,
    }, indent=2))


if __name__ == "__main__":
    main()
