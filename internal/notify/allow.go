package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"anju/internal/anju"
)

// AllowList names the webhook receivers on private networks that the
// operator trusts (--webhook-allow, ANJU_WEBHOOK_ALLOW): host names and
// CIDR prefixes. Everything else on loopback, link-local, private, CGNAT,
// unspecified or multicast addresses is refused, so that whoever may add a
// subscription cannot make the server call its own admin ports, a cloud
// metadata service or the office network.
type AllowList struct {
	hosts []string
	nets  []netip.Prefix
}

// ParseAllowList reads a comma-separated list of host names, IP addresses
// and CIDR prefixes ("hooks.internal,10.1.2.0/24,127.0.0.1"). It returns
// EINVALID naming the first entry it cannot read.
func ParseAllowList(s string) (AllowList, error) {
	var a AllowList
	for _, e := range strings.Split(s, ",") {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case strings.Contains(e, "/"):
			p, err := netip.ParsePrefix(e)
			if err != nil {
				return AllowList{}, anju.FieldError("webhook-allow", "%q is not a CIDR prefix such as 10.1.2.0/24", e)
			}
			a.nets = append(a.nets, p.Masked())
		default:
			if ip, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
				a.nets = append(a.nets, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			if strings.ContainsAny(e, ":@ ") {
				return AllowList{}, anju.FieldError("webhook-allow", "%q is not a host name, an IP address or a CIDR prefix", e)
			}
			a.hosts = append(a.hosts, strings.ToLower(strings.TrimSuffix(e, ".")))
		}
	}
	return a, nil
}

// String is the list as ParseAllowList reads it.
func (a AllowList) String() string {
	parts := append([]string{}, a.hosts...)
	for _, p := range a.nets {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, ",")
}

func (a AllowList) allowsHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range a.hosts {
		if h == host {
			return true
		}
	}
	return false
}

// permits reports whether a webhook may be delivered to ip.
func (a AllowList) permits(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a.nets {
		if p.Contains(ip) {
			return true
		}
	}
	return !internalAddr(ip)
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598).
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// thisNetwork is 0.0.0.0/8, which some systems route to the host itself.
var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

// internalAddr reports whether ip is not on the public Internet: loopback,
// link-local (169.254.0.0/16, fe80::/10, where cloud metadata services
// live), private (RFC 1918, ULA fc00::/7), CGNAT, unspecified, multicast or
// broadcast.
func internalAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return !ip.IsValid() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		cgnat.Contains(ip) || thisNetwork.Contains(ip) || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// ErrForbiddenAddress is the delivery error for a receiver whose address the
// allow list does not permit; it is permanent.
var ErrForbiddenAddress = errors.New("notify: the receiver's address is on a loopback, link-local or private network not in the webhook allow list")

// CheckWebhookTarget checks a webhook URL when a subscription is saved: an
// http or https URL without user info, whose host is allowed by name or is
// and resolves only to permitted addresses. A host that does not resolve
// now is accepted; every delivery checks the address it connects to again
// (see WebhookSender), so a name that later resolves inside is refused
// then. Returns EINVALID with field target.
func (a AllowList) CheckWebhookTarget(ctx context.Context, target string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return anju.FieldError("target", "a webhook target is an http(s) URL")
	}
	if u.User != nil {
		return anju.FieldError("target", "a webhook URL carries no user name or password; the signature authenticates Anju")
	}
	host := u.Hostname()
	if a.allowsHost(host) {
		return nil
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		ips, _ = net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	}
	for _, ip := range ips {
		if !a.permits(ip) {
			return anju.FieldError("target", "the webhook host %s is or resolves to %s, on a loopback, link-local or private network; an administrator may allow it with --webhook-allow", host, ip.Unmap())
		}
	}
	return nil
}

// CheckEmailTarget checks an e-mail target when it is saved: one bare
// address, such as ops@example.org, with no display name and no line break
// that could add headers to the message. Returns EINVALID with field target.
func CheckEmailTarget(target string) error {
	if strings.ContainsAny(target, "\r\n") {
		return anju.FieldError("target", "an e-mail target holds no line breaks")
	}
	a, err := mail.ParseAddress(target)
	if err != nil || a.Name != "" || a.Address != target {
		return anju.FieldError("target", "an e-mail target is one bare address, such as ops@example.org")
	}
	return nil
}

// webhookClients holds one client per allow list, so that connections to a
// receiver are reused across deliveries.
var webhookClients sync.Map // AllowList.String() → *http.Client

// client returns the client for webhooks under a: it connects directly (a
// proxy would make the address checked the proxy's), follows no redirects
// (see newHTTPClient), and checks the address of every connection it opens,
// after the name is resolved, so that a name that resolved outside when the
// subscription was saved cannot be pointed inside later.
func (a AllowList) client() *http.Client {
	key := a.String()
	if c, ok := webhookClients.Load(key); ok {
		return c.(*http.Client)
	}
	checked := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !a.permits(ap.Addr()) {
				return fmt.Errorf("%w (%s)", ErrForbiddenAddress, address)
			}
			return nil
		}}
	trusted := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, err := net.SplitHostPort(addr); err == nil && a.allowsHost(host) {
			return trusted.DialContext(ctx, network, addr)
		}
		return checked.DialContext(ctx, network, addr)
	}
	c := newHTTPClient()
	c.Transport = t
	actual, _ := webhookClients.LoadOrStore(key, c)
	return actual.(*http.Client)
}
