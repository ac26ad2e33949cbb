#!/usr/bin/env bash
# Provides kube-apiserver, etcd and kubectl for io.fabric8:kube-api-test on machines that cannot
# download them: builds kube-apiserver 1.20.2 from Debian bookworm's source package and takes etcd
# and kubectl from Debian packages. Does nothing when binaries are already installed or the
# upstream download is reachable (kube-api-test then fetches its own).
set -euo pipefail

version=1.20.2
binaries_root="$HOME/.kubeapitest/k8s"
target="$binaries_root/$version-linux-amd64"

if compgen -G "$binaries_root/*-linux-amd64/kube-apiserver" >/dev/null; then
  exit 0
fi
if curl -fsS --max-time 5 -o /dev/null "https://dl.k8s.io/release/stable.txt" 2>/dev/null; then
  exit 0
fi

echo "kube-api-test binaries absent and not downloadable: building kube-apiserver $version from Debian sources (about 10 minutes)"
export DEBIAN_FRONTEND=noninteractive
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"

if ! apt-cache showsrc kubernetes 2>/dev/null | grep -q '^Package: kubernetes'; then
  # Source entries mirroring the machine's own binary entries.
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
    | $sudo_cmd tee /etc/apt/sources.list.d/arcfleet-deb-src.sources >/dev/null
fi
$sudo_cmd apt-get update -q
$sudo_cmd apt-get install -y -q --no-install-recommends \
  etcd-server golang-go rsync dpkg-dev golang-github-modern-go-reflect2-dev make
# The package starts an etcd service where it can; the tests run their own.
$sudo_cmd systemctl disable --now etcd >/dev/null 2>&1 || true

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get source -q --download-only kubernetes
dpkg-source -x kubernetes_*.dsc source >/dev/null
tree="$work/source"

# reflect2 v1.0.1 crashes kube-apiserver under Go >= 1.18 as soon as a custom resource is written.
reflect2="$tree/vendor/github.com/modern-go/reflect2"
rm -rf "$reflect2"
mkdir -p "$reflect2"
cp -r /usr/share/gocode/src/github.com/modern-go/reflect2/. "$reflect2/"
sed -i 's#^github.com/modern-go/reflect2 v1.0.1.*#github.com/modern-go/reflect2 v1.0.2#' "$tree/vendor/modules.txt"
sed -i 's#^\(\s*github.com/modern-go/reflect2\) v1.0.1#\1 v1.0.2#' "$tree/go.mod"
sed -i '/^github.com\/modern-go\/reflect2 v1.0.1/d' "$tree/go.sum"

mkdir -p "$work/.go/src/k8s.io"
ln -s "$tree" "$work/.go/src/k8s.io/kubernetes"
cd "$work/.go/src/k8s.io/kubernetes"
GOPATH="$work/.go" GOFLAGS=-mod=vendor GO111MODULE=on CGO_ENABLED=0 \
  KUBE_GIT_VERSION="v$version" KUBE_GIT_TREE_STATE=clean \
  make WHAT=cmd/kube-apiserver

mkdir -p "$target"
install -m 0755 _output/local/bin/linux/amd64/kube-apiserver "$target/kube-apiserver"
install -m 0755 "$(command -v etcd)" "$target/etcd"
# kubectl of the same version, unpacked rather than installed so no other kubectl is replaced.
cd "$work"
apt-get download -q kubernetes-client
dpkg-deb -x kubernetes-client_*.deb client
install -m 0755 client/usr/bin/kubectl "$target/kubectl"
echo "installed kube-apiserver, etcd and kubectl in $target"
