#!/bin/sh
# test_deb: builds the Debian package from the working tree (tracked and new
# files, in a scratch copy), runs lintian (errors fail), installs it with dpkg,
# checks files, conffile and user, then removes and purges and checks nothing
# is left. Needs root (dpkg -i); exits 77 when root or the build tools are
# missing. It changes the machine it runs on: meant for CI and throwaway hosts.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root to install the package"
for t in dpkg-buildpackage dh lintian git; do
    command -v "$t" >/dev/null || skip "$t not installed (scripts/deps pkg)"
done
dpkg-checkbuilddeps "$src/debian/control" 2>/dev/null || skip "build dependencies missing"
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
if dpkg-query -W -f='${Status}' esvigil 2>/dev/null | grep -q installed; then
    skip "an esvigil package is already installed here; not touching it"
fi
getent passwd esvigil >/dev/null && skip "an esvigil user already exists here"

work=$(mktemp -d "${TMPDIR:-/tmp}/esvigil-deb.XXXXXX")
cleanup() {
    if dpkg-query -W -f='${Status}' esvigil 2>/dev/null | grep -q "ok installed\|config-files"; then
        dpkg --purge esvigil >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

start=$(date +%s)
mkdir "$work/esvigil"
# a deleted but still tracked file is simply not copied
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
    tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -C "$work/esvigil" -xf -
[ -x "$work/esvigil/debian/rules" ] || fail "debian/rules missing from the copy"
(cd "$work/esvigil" && autoreconf -fi >"$work/autoreconf.log" 2>&1) ||
    { cat "$work/autoreconf.log"; fail "autoreconf"; }
# The unit tests run in the suite already; here only the packaging is tested.
(cd "$work/esvigil" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) ||
    { tail -25 "$work/build.log"; fail "dpkg-buildpackage"; }
deb=$(ls "$work"/esvigil_*.deb)
[ -f "$deb" ] || fail "no esvigil_*.deb built"
built=$(date +%s)

# lintian: errors fail; warnings are printed for the record
lintian --fail-on error --tag-display-limit 0 "$work"/esvigil_*.changes \
    >"$work/lintian.log" 2>&1 || { cat "$work/lintian.log"; fail "lintian errors"; }
cat "$work/lintian.log"
linted=$(date +%s)

dpkg-deb -c "$deb" >"$work/contents"
for f in ./usr/bin/esvigil ./etc/esvigil.yml ./lib/systemd/system/esvigil.service \
    ./lib/systemd/system/esvigil.socket ./usr/share/man/man8/esvigil.8.gz \
    ./usr/lib/sysusers.d/esvigil.conf; do
    grep -q " $f\$" "$work/contents" || fail "$f not in the package"
done
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/esvigil.yml "$work/control/conffiles" || fail "/etc/esvigil.yml is no conffile"

DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log"; fail "dpkg -i"; }
getent passwd esvigil >/dev/null || fail "no esvigil user after install"
[ "$(getent passwd esvigil | cut -d: -f7)" = /usr/sbin/nologin ] || fail "esvigil user has a shell"
/usr/bin/esvigil --version >/dev/null || fail "installed binary does not run"
grep -q '^User=esvigil$' /lib/systemd/system/esvigil.service || fail "unit does not run as esvigil"
wants=/etc/systemd/system/multi-user.target.wants/esvigil.service
[ -L "$wants" ] || fail "esvigil.service not enabled by the install"
[ ! -e /etc/systemd/system/sockets.target.wants/esvigil.socket ] ||
    fail "esvigil.socket enabled: two listeners would want the port"
if [ ! -d /run/systemd/system ]; then
    # no systemd here: the service must not have been started, only enabled
    pgrep -u esvigil esvigil >/dev/null 2>&1 && fail "esvigil started without systemd"
fi

echo "# a local change" >>/etc/esvigil.yml
dpkg --remove esvigil >/dev/null || fail "dpkg --remove"
[ ! -e /usr/bin/esvigil ] || fail "binary left after remove"
[ -f /etc/esvigil.yml ] || fail "changed conffile gone after remove (it must stay until purge)"
dpkg --purge esvigil >/dev/null || fail "dpkg --purge"
for f in /etc/esvigil.yml /lib/systemd/system/esvigil.service /usr/lib/sysusers.d/esvigil.conf \
    "$wants"; do
    [ ! -e "$f" ] || fail "$f left after purge"
done
getent passwd esvigil >/dev/null && fail "esvigil user left after purge"
done_at=$(date +%s)
echo "PASS: package built in $((built - start)) s, lintian $((linted - built)) s," \
    "install/remove/purge $((done_at - linted)) s"
