package relay

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testPKI is a CA and one certificate it signed for 127.0.0.1, as PEM
// files in a folder.
type testPKI struct{ ca, cert, key string }

// newPKI makes a CA and a relay certificate (for 127.0.0.1, good to serve
// and to dial) under dir.
func newPKI(t *testing.T, dir string) testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "shardmud test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "relay"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI{ca: filepath.Join(dir, "ca.pem"), cert: filepath.Join(dir, "relay.pem"), key: filepath.Join(dir, "relay-key.pem")}
	for _, f := range []struct {
		path, kind string
		der        []byte
	}{{p.ca, "CERTIFICATE", caDER}, {p.cert, "CERTIFICATE", der}, {p.key, "EC PRIVATE KEY", keyDER}} {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(&pem.Block{Type: f.kind, Bytes: f.der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func (p testPKI) apply(cfg Config) Config {
	cfg.TLSCert, cfg.TLSKey, cfg.TLSCA = p.cert, p.key, p.ca
	return cfg
}

// Relays with certificates of one CA route over TLS and carry chat; a
// relay without TLS, or with a certificate of another CA, cannot link.
func TestTLSLinks(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, t.TempDir())
	a, alog := startRelay(t, pki.apply(Config{Shard: "A", Cluster: "127.0.0.1:0", Leaf: "127.0.0.1:0"}))
	b, _ := startRelay(t, pki.apply(Config{Shard: "B", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}}))
	waitRoute(t, a, b)
	na, nb := connect(t, a.ClientURL(), testToken), connect(t, b.ClientURL(), testToken)
	crosses(t, nb, na, chat)
	crosses(t, na, nb, chat)
	if !strings.Contains(alog.String(), "tls=true") {
		t.Fatalf("A's log does not say it links over TLS:\n%s", alog)
	}

	// A leaf relay over TLS.
	c, _ := startRelay(t, pki.apply(Config{Shard: "C", NATS: a.LeafURL()}))
	nc := connect(t, c.ClientURL(), testToken)
	crosses(t, nc, na, chat)

	// Strangers: plain, and another CA's certificate (the right token).
	other := newPKI(t, t.TempDir())
	x, _ := startRelay(t, Config{Shard: "X", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}})
	y, _ := startRelay(t, other.apply(Config{Shard: "Y", Cluster: "127.0.0.1:0", Links: []string{a.ClusterURL()}}))
	z, _ := startRelay(t, other.apply(Config{Shard: "Z", NATS: a.LeafURL()}))
	time.Sleep(2 * time.Second) // they retry every second; none may get in
	if peers := a.Peers(); !slices.Equal(peers, []string{"B", "C"}) {
		t.Fatalf("A is linked to %v, want B and C only", peers)
	}
	checkFor(t, waitLink, 20*time.Millisecond, func() error {
		for _, r := range []*Relay{x, y} {
			if n := r.link.NumRoutes(); n != 0 {
				return errors.New(r.cfg.Shard + " has a route")
			}
		}
		if n := z.local.NumLeafNodes(); n != 0 {
			return errors.New("Z has a leaf connection")
		}
		return nil
	})
}

func TestTLSConfigErrors(t *testing.T) {
	t.Parallel()
	pki := newPKI(t, t.TempDir())
	for _, cfg := range []Config{
		{TLSCert: pki.cert},
		{TLSCert: pki.cert, TLSKey: pki.key},
		{TLSKey: pki.key, TLSCA: pki.ca},
		{TLSCert: pki.ca, TLSKey: pki.key, TLSCA: pki.ca}, // a certificate that is not the key's
		{TLSCert: filepath.Join(t.TempDir(), "none.pem"), TLSKey: pki.key, TLSCA: pki.ca}, // no such file
	} {
		cfg.Shard, cfg.StoreDir, cfg.Cluster = "A", t.TempDir(), "127.0.0.1:0"
		if r, err := Start(cfg); err == nil {
			r.Shutdown()
			t.Errorf("Start(%+v) = nil error", cfg)
		} else if !errors.Is(err, ErrConfig) {
			t.Errorf("Start(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
}
