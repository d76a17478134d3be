#!/usr/bin/env python3
"""gen_procfs: writes a fake procfs tree (host files plus one Elasticsearch
process) for esvigil's --path.procfs, so tests and the demo run without a real ES.

    python3 tests/gen_procfs.py OUTDIR [--scenario NAME] [--pid N] [--starttime T] [--fd-dir D]

Output is deterministic: the unit tests assert exact values derived from the
SCENARIOS table below (maps/deleted counts, deleted bytes, fd counts, meminfo).
Only the files this script owns are replaced; anything else in OUTDIR stays.
"""

import argparse
import os
import shutil
import sys

KIB = 1024
PAGE = 4096
ES_DATA = "/var/lib/elasticsearch/nodes/0/indices"
ES_HOME = "/usr/share/elasticsearch"

# Every /proc/meminfo field a 5.x kernel prints, in order. Values in kB unless
# the name is in NO_UNIT. Scenario-specific values override these.
MEMINFO_FIELDS = [
    "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached",
    "Active", "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)",
    "Inactive(file)", "Unevictable", "Mlocked", "SwapTotal", "SwapFree", "Dirty",
    "Writeback", "AnonPages", "Mapped", "Shmem", "KReclaimable", "Slab",
    "SReclaimable", "SUnreclaim", "KernelStack", "PageTables", "NFS_Unstable",
    "Bounce", "WritebackTmp", "CommitLimit", "Committed_AS", "VmallocTotal",
    "VmallocUsed", "VmallocChunk", "Percpu", "HardwareCorrupted", "AnonHugePages",
    "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped",
    "HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp",
    "Hugepagesize", "Hugetlb", "DirectMap4k", "DirectMap2M", "DirectMap1G",
]
NO_UNIT = {"HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"}

# Sizes (in pages) of the deleted mappings, cycled: 400 pages per 5 entries,
# so 4000 deleted mappings total exactly 320000 pages = 1310720000 bytes.
DELETED_PAGES = [16, 32, 64, 128, 160]

HEALTHY = {
    "meminfo": {
        "MemTotal": 67108864, "MemFree": 2621440, "MemAvailable": 40265216,
        "Buffers": 262144, "Cached": 36700160, "SwapCached": 0,
        "Active": 27262976, "Inactive": 33554432, "Active(anon)": 20971520,
        "Inactive(anon)": 131072, "Active(file)": 6291456, "Inactive(file)": 33423360,
        "Unevictable": 0, "Mlocked": 0, "SwapTotal": 0, "SwapFree": 0,
        "Dirty": 1536, "Writeback": 0, "AnonPages": 20840448, "Mapped": 9437184,
        "Shmem": 8192, "KReclaimable": 1048576, "Slab": 1310720,
        "SReclaimable": 1048576, "SUnreclaim": 262144, "KernelStack": 18432,
        "PageTables": 65536, "CommitLimit": 33554432, "Committed_AS": 25165824,
        "VmallocTotal": 34359738367, "VmallocUsed": 131072, "Percpu": 24576,
        "AnonHugePages": 16777216, "Hugepagesize": 2048, "DirectMap4k": 524288,
        "DirectMap2M": 24641536, "DirectMap1G": 44040192,
    },
    "max_map_count": 262144,
    "file_nr": (12544, 0, 6815744),
    "loadavg": "1.52 1.38 1.20 3/1874 98765",
    "comm": "java",
    "starttime": 1234567,
    "rss_kb": 21495808,
    "threads": 142,
    "heap_bytes": 16 << 30,
    "maps": 2000,
    "deleted": 0,
    "fds": 600,
    "max_fds": "65535",
}


def scenario(base, **over):
    s = dict(base)
    mem = dict(base["meminfo"])
    mem.update(over.pop("meminfo", {}))
    s["meminfo"] = mem
    s.update(over)
    return s


SCENARIOS = {
    "healthy": HEALTHY,
    # Seed 000: 6 GiB host, 512 MiB heap, leaked scroll contexts keep merged-away
    # segment files mapped: MemAvailable ~1%, Mapped ~5.5 GiB, 4000 deleted maps.
    "scroll-leak": scenario(
        HEALTHY,
        meminfo={
            "MemTotal": 6291456, "MemFree": 52428, "MemAvailable": 62914,
            "Buffers": 4096, "Cached": 5636096, "Active": 3670016, "Inactive": 2097152,
            "Active(anon)": 524288, "Inactive(anon)": 16384, "Active(file)": 3145728,
            "Inactive(file)": 2080768, "Dirty": 384, "AnonPages": 540672,
            "Mapped": 5767168, "KReclaimable": 65536, "Slab": 98304,
            "SReclaimable": 65536, "SUnreclaim": 32768, "CommitLimit": 3145728,
            "Committed_AS": 2621440, "AnonHugePages": 0, "DirectMap4k": 262144,
            "DirectMap2M": 6029312, "DirectMap1G": 0,
        },
        file_nr=(42112, 0, 629145),
        loadavg="7.84 6.91 5.02 12/2210 31337",
        starttime=987654,
        rss_kb=5963776,
        threads=187,
        heap_bytes=512 << 20,
        maps=30000,
        deleted=4000,
        fds=12000,
    ),
    "low-map-count": scenario(HEALTHY, max_map_count=65530),
    "no-memavailable": scenario(HEALTHY),  # MemAvailable dropped below (pre-3.14)
    "garbled": scenario(HEALTHY),  # truncated meminfo, garbage limits (below)
    "unlimited-fds": scenario(HEALTHY, max_fds="unlimited"),
}


def write(path, text):
    """Writes via rename so a daemon polling the tree never sees half a file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def meminfo_text(mem, drop=()):
    lines = []
    for key in MEMINFO_FIELDS:
        if key in drop:
            continue
        v = mem.get(key, 0)
        if key in NO_UNIT:
            lines.append(f"{key + ':':<16}{v:>8}\n")
        else:
            lines.append(f"{key + ':':<16}{v:>8} kB\n")
    return "".join(lines)


def stat_text(pid, s):
    # 52 fields; field 22 is starttime (clock ticks since boot).
    vsize = (s["heap_bytes"] + (8 << 30))
    rss_pages = s["rss_kb"] * KIB // PAGE
    fields = [
        "S", "1", str(pid), str(pid), "0", "-1", "1077936384", "2894301", "0",
        "1523", "0", "918273", "102934", "0", "0", "20", "0", str(s["threads"]), "0",
        str(s["starttime"]), str(vsize), str(rss_pages), "18446744073709551615",
        "94526137196544", "94526137197456", "140722786412480", "0", "0", "0", "0",
        "16800975", "0", "0", "17", "3", "0", "0", "0", "0", "0", "94526137211792",
        "94526137212560", "94526159003648", "140722786418343", "140722786418520",
        "140722786418520", "140722786422743", "0",
    ]
    return f"{pid} ({s['comm']}) " + " ".join(fields) + "\n"


def status_text(pid, s):
    rss = s["rss_kb"]
    heap_kb = s["heap_bytes"] // KIB
    rows = [
        ("Name", s["comm"]), ("Umask", "0022"), ("State", "S (sleeping)"),
        ("Tgid", pid), ("Ngid", 0), ("Pid", pid), ("PPid", 1), ("TracerPid", 0),
        ("Uid", "998\t998\t998\t998"), ("Gid", "998\t998\t998\t998"), ("FDSize", 16384),
        ("Groups", "998 "), ("NStgid", pid), ("NSpid", pid), ("NSpgid", pid),
        ("NSsid", pid), ("VmPeak", f"{heap_kb + 9437184:>8} kB"),
        ("VmSize", f"{heap_kb + 8388608:>8} kB"), ("VmLck", f"{0:>8} kB"),
        ("VmPin", f"{0:>8} kB"), ("VmHWM", f"{rss + 65536:>8} kB"),
        ("VmRSS", f"{rss:>8} kB"), ("RssAnon", f"{rss // 4 * 3:>8} kB"),
        ("RssFile", f"{rss - rss // 4 * 3 - 256:>8} kB"), ("RssShmem", f"{256:>8} kB"),
        ("VmData", f"{heap_kb + 1048576:>8} kB"), ("VmStk", f"{132:>8} kB"),
        ("VmExe", f"{4:>8} kB"), ("VmLib", f"{24576:>8} kB"), ("VmPTE", f"{49152:>8} kB"),
        ("VmSwap", f"{0:>8} kB"), ("HugetlbPages", f"{0:>8} kB"), ("CoreDumping", 0),
        ("THP_enabled", 1), ("Threads", s["threads"]), ("SigQ", "0/255819"),
        ("SigPnd", "0000000000000000"), ("ShdPnd", "0000000000000000"),
        ("SigBlk", "0000000000000000"), ("SigIgn", "0000000000000000"),
        ("SigCgt", "2000000181005ccf"), ("CapInh", "0000000000000000"),
        ("CapPrm", "0000000000000000"), ("CapEff", "0000000000000000"),
        ("CapBnd", "000001ffffffffff"), ("CapAmb", "0000000000000000"),
        ("NoNewPrivs", 0), ("Seccomp", 2), ("Seccomp_filters", 1),
        ("Cpus_allowed", "ff"), ("Cpus_allowed_list", "0-7"),
        ("Mems_allowed", "00000001"), ("Mems_allowed_list", 0),
        ("voluntary_ctxt_switches", 41), ("nonvoluntary_ctxt_switches", 7),
    ]
    return "".join(f"{k}:\t{v}\n" for k, v in rows)


LIMITS = [
    ("Max cpu time", "unlimited", "unlimited", "seconds"),
    ("Max file size", "unlimited", "unlimited", "bytes"),
    ("Max data size", "unlimited", "unlimited", "bytes"),
    ("Max stack size", "8388608", "unlimited", "bytes"),
    ("Max core file size", "0", "unlimited", "bytes"),
    ("Max resident set", "unlimited", "unlimited", "bytes"),
    ("Max processes", "4096", "4096", "processes"),
    ("Max open files", None, None, "files"),
    ("Max locked memory", "unlimited", "unlimited", "bytes"),
    ("Max address space", "unlimited", "unlimited", "bytes"),
    ("Max file locks", "unlimited", "unlimited", "locks"),
    ("Max pending signals", "255819", "255819", "signals"),
    ("Max msgqueue size", "819200", "819200", "bytes"),
    ("Max nice priority", "0", "0", ""),
    ("Max realtime priority", "0", "0", ""),
    ("Max realtime timeout", "unlimited", "unlimited", "us"),
]


def limits_text(max_fds):
    out = [f"{'Limit':<25} {'Soft Limit':<20} {'Hard Limit':<20} {'Units':<10}\n"]
    for name, soft, hard, unit in LIMITS:
        if soft is None:
            soft = hard = max_fds
        out.append(f"{name:<25} {soft:<20} {hard:<20} {unit:<10}\n")
    return "".join(out)


def garbled_limits_text():
    return (f"{'Limit':<25} {'Soft Limit':<20} {'Hard Limit':<20} {'Units':<10}\n"
            "Max cpu time              unlimited            unlimited            seconds   \n"
            "Max open files            6x5#3?               ~~~~                 files     \n"
            "\x7f\x01garbage\n")


class Maps:
    """Builds maps lines in kernel format: the path column starts at offset 73,
    anonymous mappings end with the inode and a trailing space."""

    def __init__(self):
        self.lines = []  # (start, text)

    def add(self, start, size, perms, offset=0, dev="00:00", inode=0, path=""):
        head = f"{start:08x}-{start + size:08x} {perms} {offset:08x} {dev} {inode} "
        text = f"{head:<73}{path}" if path else head
        self.lines.append((start, text))
        return start + size

    def text(self):
        return "".join(t + "\n" for _, t in sorted(self.lines))


def segment_path(i):
    uuid = ["Xb3kQ9cTQyqE1v0sLm2aUg", "p0Zr7WnYSa6bHc1dXe4fGh", "Lq8mN2oPrS4tU6vW8xY0zA"][i % 3]
    shard = (i // 3) % 5
    exts = ["cfs", "doc", "tim", "dvd", "pos", "fdt", "kdd", "nvd"]
    return f"{ES_DATA}/{uuid}/{shard}/index/_{i // 8:x}.{exts[i % 8]}"


def maps_text(s):
    m = Maps()
    heap = s["heap_bytes"]
    m.add(0x0000000400000000 if heap > (4 << 30) else 0xE0000000, heap, "rw-p")
    cur = 0x55D0C8A00000
    for perms, size in [("r--p", 0x1000), ("r-xp", 0x1000), ("r--p", 0x1000),
                        ("r--p", 0x1000), ("rw-p", 0x1000)]:
        cur = m.add(cur, size, perms, cur - 0x55D0C8A00000, "fd:01", 1049153,
                    f"{ES_HOME}/jdk/bin/java")
    m.add(0x55D0CA6F2000, 0x21000, "rw-p", path="[heap]")
    cur = 0x7F0000000000
    libs = ["jdk/lib/server/libjvm.so", "jdk/lib/libjava.so", "jdk/lib/libnio.so",
            "jdk/lib/libnet.so", "jdk/lib/libzip.so", "jdk/lib/libjimage.so",
            "modules/x-pack-ml/platform/linux-x86_64/lib/libMlMath.so"]
    for n, lib in enumerate(libs):
        for k, perms in enumerate(["r--p", "r-xp", "r--p", "rw-p"]):
            cur = m.add(cur, 0x10000, perms, k * 0x10000, "fd:01", 1049200 + n,
                        f"{ES_HOME}/{lib}")
        cur += PAGE
    fixed_tail = [("r--p", 0x4000, "[vvar]"), ("r-xp", 0x2000, "[vdso]")]
    nfiles = 300 if s["maps"] >= 2000 else 0
    budget = s["maps"] - len(m.lines) - len(fixed_tail) - 2 - nfiles - s["deleted"]
    if budget < 0:
        sys.exit(f"gen_procfs: scenario wants {s['maps']} maps, too few for its layout")
    # Live Lucene segment files, mapped read-only shared by MMapDirectory.
    for i in range(nfiles):
        size = (1 + i % 64) * 0x10000
        cur = m.add(cur, size, "r--s", 0, "fd:10", 2359296 + i, segment_path(i)) + PAGE
    # Merged-away segments still pinned by leaked scroll contexts.
    for i in range(s["deleted"]):
        size = DELETED_PAGES[i % len(DELETED_PAGES)] * PAGE
        cur = m.add(cur, size, "r--s", 0, "fd:10", 3407872 + i,
                    segment_path(1000 + i) + " (deleted)") + PAGE
    # Thread stacks: a guard page then the stack; odd leftovers are malloc arenas.
    while budget >= 2:
        cur = m.add(cur, PAGE, "---p")
        cur = m.add(cur, 0x100000 - PAGE, "rw-p")
        budget -= 2
    if budget:
        cur = m.add(cur, 0x21000, "rw-p")
    m.add(0x7FFC1E5A2000, 0x21000, "rw-p", path="[stack]")
    cur = 0x7FFC1E5F8000
    for perms, size, name in fixed_tail:
        cur = m.add(cur, size, perms, path=name)
    m.add(0xFFFFFFFFFF600000, 0x1000, "--xp", path="[vsyscall]")
    return m.text()


def fd_target(i):
    if i < 3:
        return "/dev/null"
    if i % 4 == 0:
        return f"socket:[{400000 + i}]"
    if i % 4 == 1:
        return "anon_inode:[eventpoll]"
    return segment_path(i)


def write_process(root, pid, s, name, fd_dir=None):
    pdir = os.path.join(root, str(pid))
    shutil.rmtree(pdir, ignore_errors=True)
    write(os.path.join(pdir, "stat"), stat_text(pid, s))
    write(os.path.join(pdir, "status"), status_text(pid, s))
    if name == "garbled":
        write(os.path.join(pdir, "limits"), garbled_limits_text())
    else:
        write(os.path.join(pdir, "limits"), limits_text(s["max_fds"]))
    write(os.path.join(pdir, "maps"), maps_text(s))
    fdir = os.path.join(pdir, "fd")
    if fd_dir:
        os.symlink(fd_dir, fdir)  # a live process's fds, counted as the kernel counts them
        return
    os.makedirs(fdir)
    for i in range(s["fds"]):
        os.symlink(fd_target(i), os.path.join(fdir, str(i)))


def write_host(root, s, name):
    mem = meminfo_text(s["meminfo"], drop={"MemAvailable"} if name == "no-memavailable" else ())
    if name == "garbled":
        mem = mem[: mem.index("Cached:") + len("Cached:         367")]  # cut mid-value
    write(os.path.join(root, "meminfo"), mem)
    write(os.path.join(root, "loadavg"), s["loadavg"] + "\n")
    write(os.path.join(root, "sys/vm/max_map_count"), f"{s['max_map_count']}\n")
    a, b, c = s["file_nr"]
    write(os.path.join(root, "sys/fs/file-nr"), f"{a}\t{b}\t{c}\n")


def main(argv):
    ap = argparse.ArgumentParser(description="Write a fake procfs tree for esvigil.")
    ap.add_argument("outdir")
    ap.add_argument("--scenario", default="healthy", choices=sorted(SCENARIOS))
    ap.add_argument("--pid", type=int, default=4242)
    ap.add_argument("--starttime", type=int, default=None,
                    help="override field 22 of PID/stat (simulate a restarted process)")
    ap.add_argument("--fd-dir", default=None,
                    help="make PID/fd a symlink to this directory (a real /proc/N/fd) "
                         "instead of writing the scenario's fds")
    args = ap.parse_args(argv)
    if args.pid <= 0:
        ap.error("--pid must be positive")
    s = dict(SCENARIOS[args.scenario])
    if args.starttime is not None:
        s["starttime"] = args.starttime
    os.makedirs(args.outdir, exist_ok=True)
    write_host(args.outdir, s, args.scenario)
    write_process(args.outdir, args.pid, s, args.scenario, args.fd_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
