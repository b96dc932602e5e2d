#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
#
# Prepares the vm test tier: installs qemu and friends, fetches Debian's
# distribution kernel (never installs it), and builds a small initramfs
# that mounts the host's root read-only over 9p and runs one command in it.
#
# Everything lands under $NFC_VM_CACHE (default /var/cache/ultranio-vm), in
# one directory per kernel release, so a second run neither downloads nor
# rebuilds anything. On success the last line on stdout is
#   NFC_VM_ENV=<cache>/<kernel release>/vm.env
# a shell fragment that run.sh sources. Progress goes to stderr.
#
# Environment:
#   NFC_VM_CACHE    cache directory (default /var/cache/ultranio-vm)
#   NFC_VM_KERNEL   kernel image package to use instead of the one
#                   linux-image-amd64 depends on (e.g. linux-image-6.1.0-56-amd64)
set -euo pipefail

readonly CACHE=${NFC_VM_CACHE:-/var/cache/ultranio-vm}
# Bump when the layout of a kernel directory or the initramfs changes.
readonly FORMAT=1
# Modules the initramfs needs to reach the 9p root share. Their order
# comes from modules.dep; this is the order known to work, used when
# modprobe cannot tell (e.g. an option is built in).
readonly BOOT_MODULES_FALLBACK="virtio_ring virtio virtio_pci_legacy_dev
  virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p"
readonly BOOT_MODULES_WANTED=(virtio_pci 9pnet_virtio 9p)

did_work=0
log() { printf 'vm-prepare: %s\n' "$*" >&2; }
die() { printf 'vm-prepare: error: %s\n' "$*" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
  log "SKIP: needs root (it installs packages and writes $CACHE)"
  exit 77
fi

# --- host packages -------------------------------------------------------

# package:command-that-proves-it pairs
readonly PACKAGES=(
  qemu-system-x86:/usr/bin/qemu-system-x86_64
  busybox-static:/bin/busybox
  cpio:/usr/bin/cpio
  kmod:/usr/bin/kmod
  xdp-tools:/usr/sbin/xdp-loader
  iproute2:/usr/sbin/tc
  util-linux:/usr/bin/flock
  xz-utils:/usr/bin/xz
)

apt_updated=0
apt_update() {
  if [[ $apt_updated -eq 0 ]]; then
    log "apt-get update"
    apt-get update -qq >&2 || die "apt-get update failed"
    apt_updated=1
  fi
}

ensure_packages() {
  local missing=() p pkg cmd
  for p in "${PACKAGES[@]}"; do
    pkg=${p%%:*} cmd=${p#*:}
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
       [[ ! -x $cmd ]]; then
      missing+=("$pkg")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  did_work=1
  log "installing ${missing[*]} (log: $CACHE/apt-install.log)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >"$CACHE/apt-install.log" 2>&1; then
    apt_update
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$CACHE/apt-install.log" 2>&1; then
      tail -n 20 "$CACHE/apt-install.log" >&2
      die "apt-get install ${missing[*]} failed"
    fi
  fi
}

# --- kernel ----------------------------------------------------------------

# Prints the linux-image-X.Y.Z-N-amd64 package that linux-image-amd64
# depends on, or nothing.
resolve_kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
}

# Sets KPKG, KVER (= uname -r of the guest) and KPKGVER.
choose_kernel() {
  KPKG=${NFC_VM_KERNEL:-}
  if [[ -z $KPKG ]]; then
    KPKG=$(resolve_kernel_package)
    if [[ -z $KPKG ]]; then
      apt_update
      KPKG=$(resolve_kernel_package)
    fi
  fi
  if [[ -z $KPKG ]]; then
    # Offline and no package lists: fall back to what the cache already has.
    if [[ -L $CACHE/current && -f $CACHE/current/vm.env ]]; then
      log "cannot resolve linux-image-amd64 with apt-cache; using the cached $(readlink "$CACHE/current")"
      KVER=$(readlink "$CACHE/current") KPKG="linux-image-$KVER" KPKGVER=cached
      return 0
    fi
    die "cannot resolve the kernel package linux-image-amd64 depends on (apt-cache depends linux-image-amd64)"
  fi
  [[ $KPKG =~ ^linux-image-([0-9][A-Za-z0-9.+~-]*-amd64)$ ]] ||
    die "unexpected kernel package name '$KPKG'"
  KVER=${BASH_REMATCH[1]}
  # The cache is keyed by the kernel release: once unpacked, it is reused.
  if [[ -f $CACHE/$KVER/root/.unpacked ]]; then
    KPKGVER=cached
    return 0
  fi
  KPKGVER=$(apt-cache policy "$KPKG" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [[ -z $KPKGVER || $KPKGVER == "(none)" ]]; then
    apt_update
    KPKGVER=$(apt-cache policy "$KPKG" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    [[ -n $KPKGVER && $KPKGVER != "(none)" ]] || die "apt has no candidate for $KPKG"
  fi
}

# Downloads and unpacks $KPKG into $KDIR/root (no installation), runs depmod.
fetch_kernel() {
  local stamp=$KDIR/root/.unpacked
  if [[ -f $stamp ]] && { [[ $KPKGVER == cached ]] || [[ $(<"$stamp") == "$KPKGVER" ]]; }; then
    return 0
  fi
  local dl
  did_work=1
  dl=$(mktemp -d "$CACHE/.download.XXXXXX")
  # apt drops privileges to _apt for downloads when it can write there.
  id -u _apt >/dev/null 2>&1 && chown _apt "$dl"
  log "downloading $KPKG $KPKGVER"
  if ! (cd "$dl" && apt-get download -q "$KPKG=$KPKGVER" >&2); then
    apt_update
    (cd "$dl" && apt-get download -q "$KPKG=$KPKGVER" >&2) ||
      { rm -rf "$dl"; die "apt-get download $KPKG=$KPKGVER failed"; }
  fi
  local deb
  deb=$(find "$dl" -maxdepth 1 -name '*.deb' | head -n1)
  [[ -n $deb ]] || { rm -rf "$dl"; die "apt-get download produced no .deb"; }
  log "unpacking $(basename "$deb")"
  rm -rf "$KDIR/root" "$KDIR/vmlinux" "$KDIR/vmlinux.none"
  mkdir -p "$KDIR/root"
  dpkg -x "$deb" "$KDIR/root" || { rm -rf "$dl"; die "dpkg -x $deb failed"; }
  rm -rf "$dl"
  [[ -f $KDIR/root/boot/vmlinuz-$KVER ]] || die "no boot/vmlinuz-$KVER in $KPKG"
  [[ -d $KDIR/root/lib/modules/$KVER ]] || die "no lib/modules/$KVER in $KPKG"
  log "depmod -b $KDIR/root $KVER"
  depmod -b "$KDIR/root" "$KVER" || die "depmod failed"
  printf '%s\n' "$KPKGVER" >"$stamp"
}

# qemu boots an uncompressed ELF vmlinux straight through its PVH entry
# point, skipping the BIOS and the in-guest xz decompression (about 2.5 s
# under TCG). Extracts it from the bzImage when the kernel supports PVH;
# otherwise the guest boots the bzImage.
extract_vmlinux() {
  local z=$KDIR/root/boot/vmlinuz-$KVER cfg=$KDIR/root/boot/config-$KVER o
  [[ -f $KDIR/vmlinux || -f $KDIR/vmlinux.none ]] && return 0
  did_work=1
  if ! grep -q '^CONFIG_PVH=y' "$cfg" 2>/dev/null; then
    log "kernel has no PVH entry; booting the bzImage"
    touch "$KDIR/vmlinux.none"
    return 0
  fi
  # shellcheck disable=SC2013 # offsets are numbers, one per word
  for o in $(LC_ALL=C grep -obUa '7zXZ' "$z" | cut -d: -f1); do
    # xz streams start with FD '7zXZ' 00; grep reports the offset of '7'.
    [[ $(tail -c +"$o" "$z" | head -c1 | od -An -tx1 | tr -d ' ') == fd ]] || continue
    # xz complains about the bytes after the stream; the output is complete.
    tail -c +"$o" "$z" | xz -dcq >"$KDIR/vmlinux.tmp" 2>/dev/null || true
    if [[ $(head -c4 "$KDIR/vmlinux.tmp" | od -An -c | tr -d ' ') == '177ELF' ]]; then
      mv "$KDIR/vmlinux.tmp" "$KDIR/vmlinux"
      log "extracted vmlinux ($(stat -c %s "$KDIR/vmlinux") bytes) for PVH boot"
      return 0
    fi
  done
  rm -f "$KDIR/vmlinux.tmp"
  touch "$KDIR/vmlinux.none"
  log "could not extract an xz-compressed vmlinux from $z; booting the bzImage"
}

# --- initramfs -------------------------------------------------------------

# The guest's /init (busybox sh). It stays PID 1 in the initramfs; the
# command runs chrooted into the read-only host root.
write_init() {
  cat <<'EOF'
#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1-only OR BSD-2-Clause)
# ultranio vm tier guest init (generated by tests/vm/prepare.sh)
export PATH=/bin
R=/newroot
OUT=/run/ultranio-vm

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
stty -onlcr 2>/dev/null

say() { echo "ultranio-vm: $*"; }
halt() { sync; poweroff -f; sleep 5; echo o >/proc/sysrq-trigger; }
die() { say "guest error: $*"; [ -d $R$OUT ] && echo "guest error: $*" >$R$OUT/guest-error; halt; }

arg() {
  for w in $(cat /proc/cmdline); do
    case $w in "$1="*) echo "${w#*=}"; return;; esac
  done
}
MODDIR=$(arg ultranio.moddir)
GTIMEOUT=$(arg ultranio.timeout)
CMDFILE=$(arg ultranio.cmd)
KEEP=$(arg ultranio.keep)

for m in $(cat /modules.list); do
  insmod /modules/$m.ko || die "insmod $m failed"
done

mkdir -p $R
opts=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o $opts,ro,cache=loose root $R || die "cannot mount the host root (9p tag 'root')"
# The project's tree may live where the guest mounts tmpfs (a checkout in
# /tmp or /root): keep a bind of it to put back on top.
if [ -n "$KEEP" ]; then
  mkdir -p /keep
  mount -o bind $R$KEEP /keep || die "cannot bind $KEEP"
fi
mount -t tmpfs -o mode=0755 tmpfs $R/run || die "cannot mount tmpfs on /run"
mkdir -p $R$OUT
mount -t 9p -o $opts,cache=none out $R$OUT || die "cannot mount the result share (9p tag 'out')"

mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm $R/dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t bpf -o mode=0700 bpf $R/sys/fs/bpf || die "cannot mount bpffs"
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
for d in /tmp /var/tmp /var/log /root; do
  [ -d $R$d ] && mount -t tmpfs -o mode=0755 tmpfs $R$d
done
chmod 1777 $R/tmp $R/var/tmp
if [ -n "$KEEP" ]; then
  mkdir -p $R$KEEP 2>/dev/null
  mount -o bind /keep $R$KEEP || die "cannot put $KEEP back"
fi
# /run/lock and friends, and /etc/mtab-less tools, expect these.
mkdir -p $R/run/lock $R/run/netns $R/run/user
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr

hostname ultranio-vm
chroot $R /usr/sbin/ip link set lo up 2>/dev/null || true

if [ -n "$MODDIR" ]; then
  chroot $R /sbin/modprobe -d "$MODDIR" -a $(cat /test-modules.list) ||
    die "modprobe -d $MODDIR failed"
fi

[ -n "$CMDFILE" ] || CMDFILE=$OUT/cmd
[ -f $R$CMDFILE ] || die "no command: $CMDFILE does not exist in the guest"
[ -n "$GTIMEOUT" ] || GTIMEOUT=600

echo running >$R$OUT/state
chroot $R /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/root TERM=dumb LANG=C.UTF-8 NFC_VM=1 NFC_VM_MODDIR="$MODDIR" \
  /bin/bash -c 'set -o pipefail
    timeout -k 5 "$1" /bin/bash "$2" 2>&1 | tee "$3/output"
    rc=$?
    [ $rc -eq 124 ] && echo "ultranio-vm: command timed out after $1 s (guest side)"
    echo $rc >"$3/status.tmp" && mv "$3/status.tmp" "$3/status"' \
  guest "$GTIMEOUT" "$CMDFILE" "$OUT" || say "could not record the exit status"
echo done >$R$OUT/state
sync
umount $R$OUT 2>/dev/null
halt
EOF
}

build_initramfs() {
  local init_hash want_hash
  init_hash=$( { write_init; echo "${TEST_MODULES[*]}"; echo "$FORMAT"; } | sha256sum | cut -d' ' -f1)
  want_hash="$init_hash $(sha256sum /bin/busybox | cut -d' ' -f1)"
  if [[ -f $KDIR/initrd.img && -f $KDIR/initrd.stamp && $(<"$KDIR/initrd.stamp") == "$want_hash" ]]; then
    return 0
  fi
  did_work=1
  log "building initramfs for $KVER"
  local work
  work=$(mktemp -d "$CACHE/.initramfs.XXXXXX")
  mkdir -p "$work"/{bin,dev,proc,sys,newroot,modules}
  cp /bin/busybox "$work/bin/busybox"
  local a
  for a in $(/bin/busybox --list); do
    [[ $a == busybox ]] || ln -s busybox "$work/bin/$a"
  done

  # Boot modules in dependency order, straight from modules.dep
  # ("builtin X" lines need nothing).
  local deps line path name list=() paths=()
  if deps=$(modprobe -d "$KDIR/root" -S "$KVER" --show-depends -a "${BOOT_MODULES_WANTED[@]}" 2>&1); then
    while read -r line; do
      [[ $line == insmod\ * ]] || continue
      path=$(awk '{print $2}' <<<"$line")
      name=$(basename "$path"); name=${name%%.ko*}
      if [[ " ${list[*]} " != *" $name "* ]]; then
        list+=("$name") paths+=("$path")
      fi
    done <<<"$deps"
  else
    log "modprobe --show-depends failed ($deps); using the known module order"
    read -r -a list <<<"$BOOT_MODULES_FALLBACK"
  fi
  local i
  for i in "${!list[@]}"; do
    name=${list[$i]} path=${paths[$i]:-}
    [[ -n $path && -f $path ]] ||
      path=$(find "$KDIR/root/lib/modules/$KVER" -name "$name.ko*" | head -n1)
    [[ -n $path ]] || die "module $name not found in $KVER"
    case $path in
      *.ko) cp "$path" "$work/modules/$name.ko" ;;
      *.ko.xz) xz -dc "$path" >"$work/modules/$name.ko" ;;
      *.ko.zst) zstd -qdc "$path" >"$work/modules/$name.ko" ;;
      *.ko.gz) gzip -dc "$path" >"$work/modules/$name.ko" ;;
      *) die "unsupported module file $path" ;;
    esac
  done
  printf '%s\n' "${list[@]}" >"$work/modules.list"  # may be empty: all built in
  printf '%s\n' "${TEST_MODULES[@]}" >"$work/test-modules.list"
  write_init >"$work/init"
  chmod 0755 "$work/init"

  (cd "$work" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
     cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$KDIR/initrd.img.tmp"
  mv "$KDIR/initrd.img.tmp" "$KDIR/initrd.img"
  printf '%s\n' "$want_hash" >"$KDIR/initrd.stamp"
  rm -rf "$work"
  log "initramfs: ${list[*]}"
}

# --- main ----------------------------------------------------------------

# Modules the guest loads (with modprobe -d) before running the command.
readonly TEST_MODULES=(cls_flower act_mirred act_pedit act_csum act_tunnel_key act_gact
  sch_ingress cls_bpf act_bpf veth vxlan)

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 || die "cannot lock $CACHE/.lock"

ensure_packages
choose_kernel
KDIR=$CACHE/$KVER
mkdir -p "$KDIR"
fetch_kernel
extract_vmlinux
build_initramfs

cat >"$KDIR/vm.env.tmp" <<EOF
# generated by tests/vm/prepare.sh
NFC_VM_KVER='$KVER'
NFC_VM_KPKG='$KPKG'
NFC_VM_VMLINUZ='$KDIR/root/boot/vmlinuz-$KVER'
NFC_VM_KERNEL_IMAGE='$( [[ -f $KDIR/vmlinux ]] && echo "$KDIR/vmlinux" || echo "$KDIR/root/boot/vmlinuz-$KVER")'
NFC_VM_INITRD='$KDIR/initrd.img'
NFC_VM_MODDIR='$KDIR/root'
EOF
mv "$KDIR/vm.env.tmp" "$KDIR/vm.env"
ln -sfn "$KVER" "$CACHE/current"
# Quiet when everything was cached: run.sh calls this before every boot.
[[ $did_work -eq 0 ]] || log "ready: $KPKG ($KVER) in $KDIR"
echo "NFC_VM_ENV=$KDIR/vm.env"
