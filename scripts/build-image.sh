#!/usr/bin/env bash
# Build the chatbot container image without a Docker engine: buildah (chroot isolation,
# vfs storage) from the repository's Dockerfile, on a base image made locally.
#
#   scripts/build-image.sh                 # local Debian base (debootstrap), then the image
#   BASE_IMAGE=python:3.12-slim scripts/build-image.sh   # any slim Python image buildah can pull
#
# Environment:
#   IMAGE        name of the built image            (default: localhost/chatbot:latest)
#   BASE_IMAGE   slim Python base for both stages   (default: localhost/chatbot-base:bookworm,
#                built here with debootstrap when it is missing)
#   SUITE        Debian suite for the local base     (default: bookworm)
#   MIRROR       Debian mirror for debootstrap       (default: the first one apt is configured with)
#   BUILD_DIR    scratch folder (gitignored)         (default: build/image)
#   BUILD_CA     CA bundle pip trusts during the build (default: this machine's bundle, so a
#                TLS-inspecting proxy in front of the package index works; set empty to skip)
#
# Needs root (debootstrap and chroot isolation) and Debian's buildah and debootstrap packages.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/chatbot:latest}
LOCAL_BASE=localhost/chatbot-base:${SUITE:-bookworm}
BASE_IMAGE=${BASE_IMAGE:-$LOCAL_BASE}
SUITE=${SUITE:-bookworm}
BUILD_DIR=${BUILD_DIR:-build/image}
BUILDAH=(buildah --storage-driver vfs)

for tool in buildah; do
  command -v "$tool" >/dev/null || { echo "error: $tool is not installed (apt-get install -y buildah debootstrap)" >&2; exit 2; }
done

default_mirror() {
  # The first "URIs:" (deb822) or "deb URL" line apt uses; debootstrap needs the same mirror.
  local uri
  uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$uri" ] || uri=$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | head -n1 || true)
  echo "$uri"
}

build_local_base() {
  command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed" >&2; exit 2; }
  local rootfs="$BUILD_DIR/rootfs-$SUITE" mirror=${MIRROR:-$(default_mirror)}
  [ -n "$mirror" ] || { echo "error: no Debian mirror found; set MIRROR" >&2; exit 2; }
  if [ ! -x "$rootfs/usr/bin/python3" ]; then
    echo "== debootstrap $SUITE (minbase + python3) into $rootfs"
    rm -rf "$rootfs" && mkdir -p "$rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates "$SUITE" "$rootfs" "$mirror"
    # Slim it: no apt lists, docs, man pages or locales beyond C.
    chroot "$rootfs" apt-get clean
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
      "$rootfs"/usr/share/info/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log
  fi
  echo "== import $rootfs as $LOCAL_BASE"
  local ctr
  ctr=$("${BUILDAH[@]}" from scratch)
  local mnt
  mnt=$("${BUILDAH[@]}" mount "$ctr")
  cp -a "$rootfs"/. "$mnt"/
  "${BUILDAH[@]}" umount "$ctr" >/dev/null
  "${BUILDAH[@]}" config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --cmd /bin/bash "$ctr"
  "${BUILDAH[@]}" commit --rm "$ctr" "$LOCAL_BASE" >/dev/null
}

if [ "$BASE_IMAGE" = "$LOCAL_BASE" ] && ! "${BUILDAH[@]}" inspect --type image "$LOCAL_BASE" >/dev/null 2>&1; then
  build_local_base
fi

echo "== buildah bud $IMAGE (base $BASE_IMAGE)"
start=$(date +%s)
ca_args=()
BUILD_CA=${BUILD_CA-/etc/ssl/certs/ca-certificates.crt}
if [ -n "$BUILD_CA" ] && [ -f "$BUILD_CA" ]; then
  ca_args=(--volume "$(realpath "$BUILD_CA"):/run/build-ca.crt:ro" --build-arg PIP_CERT=/run/build-ca.crt)
fi
"${BUILDAH[@]}" bud --isolation chroot --format docker --layers=false "${ca_args[@]}" \
  --build-arg "PYTHON_BASE=$BASE_IMAGE" -f Dockerfile -t "$IMAGE" .
echo "== built $IMAGE in $(( $(date +%s) - start )) s"
"${BUILDAH[@]}" images --format '{{.Name}}:{{.Tag}} {{.Size}}' | grep -E "^${IMAGE%%:*}:" || true
