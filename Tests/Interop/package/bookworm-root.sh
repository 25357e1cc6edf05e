#!/usr/bin/env bash
# Prints the path of a minimal Debian bookworm root file system (debootstrap --variant=minbase,
# plus man-db, bash-completion, zsh and fish so a package's man page and completions can be
# tried), making it first when it is missing, broken or made of other packages. It lives outside
# any clone, /var/cache/opensensor-test/bookworm-root (OPENSENSOR_DEB_ROOT_CACHE picks another
# folder), so every clone and CI reuse it: a debootstrap costs minutes, a check a moment.
#
# It is built into a temporary folder beside the cache and renamed into place only when complete,
# so an interrupted debootstrap never leaves a half root where the next run would trust it. A lock
# keeps two runs from building it at once. Needs root (debootstrap, chroot).
set -euo pipefail
say() { printf 'bookworm-root: %s\n' "$*" >&2; }
die() { printf 'bookworm-root: FAILED: %s\n' "$*" >&2; exit 1; }

suite=bookworm
packages=man-db,bash-completion,zsh,fish
cache=${OPENSENSOR_DEB_ROOT_CACHE:-/var/cache/opensensor-test}
root=$cache/$suite-root
# The stamp names what the root was made of; a root made otherwise is made again.
arch=$(dpkg --print-architecture)

# The mirror apt already uses here: deb822 .sources files first, then the one-line format.
# Security and updates archives lack a full suite, so the first other Debian mirror wins.
mirror_of_apt() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -r $f ]] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             {   types = uris = suites = enabled = ""
                 for (i = 1; i <= NF; i++) {
                     split($i, kv, /:[ \t]*/)
                     if (kv[1] == "Types") types = " " substr($i, 7) " "
                     if (kv[1] == "URIs") { uris = $i; sub(/^URIs:[ \t]*/, "", uris) }
                     if (kv[1] == "Suites") suites = $i
                     if (kv[1] == "Enabled") enabled = $i
                 }
                 if (types ~ /[ \t]deb[ \t]/ && enabled !~ /no/ && uris != "" && suites !~ /-security/) {
                     split(uris, u, /[ \t]+/); print u[1]; exit
                 }
             }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -r $f ]] || continue
        awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                           if ($(i+1) !~ /-security/) { print $i; exit } }' "$f"
    done
}
mirror=${OPENSENSOR_DEB_MIRROR:-$(mirror_of_apt | head -n1)}
[[ -n $mirror ]] || die "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/*.sources (set OPENSENSOR_DEB_MIRROR)"
stamp="suite=$suite arch=$arch variant=minbase include=$packages"

healthy() {
    [[ -f $root/.opensensor-root && $(cat "$root/.opensensor-root") == "$stamp" ]] || return 1
    chroot "$root" /usr/bin/dpkg-query -W -f='${Status}\n' ${packages//,/ } 2>/dev/null \
        | grep -c '^install ok installed$' | grep -qx "$(tr ',' '\n' <<<"$packages" | wc -l)" || return 1
    [[ -x $root/usr/bin/man && -r $root/usr/share/bash-completion/bash_completion ]]
}

[[ $(id -u) == 0 ]] || die "making and using a Debian root needs root (debootstrap, chroot): run as root"
command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
mkdir -p "$cache"
exec 9>"$cache/.$suite-root.lock"
flock 9
# debootstrap mounts /proc and /sys in the root it makes; a killed run can leave them mounted.
remove_tree() {
    local m
    { findmnt -rn -o TARGET | grep -F "$1" | sort -r | while read -r m; do umount -l "$m"; done; } || true
    rm -rf --one-file-system "$1"
}
# What a killed run left half made; nobody else can be making one while the lock is held.
for old in "$cache/.$suite-root.new."*; do
    [[ -e $old ]] && remove_tree "$old"
done

if healthy; then
    printf '%s\n' "$root"
    exit 0
fi
[[ -e $root ]] && say "$root is incomplete or was made otherwise; making it again"
tmp=$(mktemp -d "$cache/.$suite-root.new.XXXXXX")
trap 'remove_tree "$tmp"; rm -f "$tmp.log"' EXIT
say "debootstrap --variant=minbase $suite from $mirror into $tmp (a few minutes, once)"
started=$(date +%s)
debootstrap --variant=minbase --arch="$arch" --include="$packages" "$suite" "$tmp" "$mirror" >"$tmp.log" 2>&1 \
    || { tail -n 20 "$tmp.log" >&2; rm -f "$tmp.log"; die "debootstrap $suite from $mirror (log above)"; }
rm -f "$tmp.log"
# Downloaded .debs are not needed again; they would double every copy of the root.
rm -f "$tmp"/var/cache/apt/archives/*.deb
printf '%s\n' "$stamp" >"$tmp/.opensensor-root"
remove_tree "$root"
mv "$tmp" "$root"
trap - EXIT
say "made $root in $(($(date +%s) - started)) s ($(du -sh "$root" | cut -f1))"
healthy || die "$root was made but does not pass its own check"
printf '%s\n' "$root"
