package simulator

import (
	"math/rand/v2"
	"strconv"
)

// resultKind is the shape of a QID's RESULTS text.
type resultKind uint8

const (
	resultCertificate resultKind = iota
	resultPackages
	resultRegistry
	resultCiphers
	resultHTTP
	resultBanner
	resultFiles
	resultKindCount
)

// Results text is not stored: it is rebuilt on demand from the fleet seed
// and the detection's unique ID, so a fleet of millions of detections does
// not hold gigabytes of text. The text never starts or ends with white space
// and holds no carriage return, so it reads back unchanged from CDATA.

var certSubjects = []string{
	"CN=%s", "CN=*.corp.example.com,O=Example Corp,C=US", "CN=localhost",
	"CN=Zertifikatsstelle Süd,O=Müller & Söhne GmbH,C=DE", "CN=サーバー証明書,O=例,C=JP",
}

var packages = [][3]string{
	{"openssl", "1.1.1k-1.el8", "1.1.1k-12.el8_9"},
	{"kernel", "4.18.0-477.10.1.el8_8", "4.18.0-513.11.1.el8_9"},
	{"glibc", "2.28-225.el8", "2.28-236.el8_9.7"},
	{"curl", "7.61.1-30.el8", "7.61.1-33.el8_9.5"},
	{"libxml2", "2.9.7-16.el8", "2.9.7-18.el8_9"},
	{"openssh-server", "8.0p1-17.el8", "8.0p1-19.el8_9.2"},
	{"sudo", "1.9.5p2-0ubuntu1", "1.9.9-1ubuntu2.4"},
	{"linux-image-5.15.0-91-generic", "5.15.0-91.101", "5.15.0-94.104"},
	{"python3.10", "3.10.12-1~22.04.2", "3.10.12-1~22.04.3"},
}

var registryLines = []string{
	`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion CurrentBuild = 19045`,
	`HKLM\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters RequireSecuritySignature = 0`,
	`HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Server Enabled = 1`,
	`%windir%\system32\win32k.sys  Version is 10.0.19041.3693`,
	`C:\Program Files\Microsoft Office\root\Office16\mso.dll  Version is 16.0.17126.20132`,
	`"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe" Version is 120.0.6099.130`,
}

var cipherLines = []string{
	"CIPHER\tKEY-EXCHANGE\tAUTHENTICATION\tMAC\tENCRYPTION(KEY-STRENGTH)\tGRADE",
	"TLSv1 WITH RC4 CIPHERs IS SUPPORTED",
	"RC4-SHA\tRSA\tRSA\tSHA1\tRC4(128)\tMEDIUM",
	"RC4-MD5\tRSA\tRSA\tMD5\tRC4(128)\tMEDIUM",
	"DES-CBC3-SHA\tRSA\tRSA\tSHA1\t3DES(168)\tMEDIUM",
	"TLSv1.2 WITH CBC CIPHERS IS SUPPORTED",
}

var httpLines = []string{
	`GET / HTTP/1.1 -> HTTP/1.1 200 OK`,
	`Server: Apache/2.4.41 (Ubuntu) & "mod_ssl"`,
	`<html><head><title>Welcome to nginx!</title></head>`,
	`<script type="text/javascript">if (a < b && c > d) { x = 'y'; }</script>`,
	`X-Powered-By: PHP/7.4.3`,
	`doesn&apos;t match -&gt;&gt;HEADER&lt;&lt;-`,
	`Set-Cookie: JSESSIONID=0F1E2D3C4B5A; Path=/; HttpOnly`,
	`Location: https://intranet.example.com/login?next=%2Fadmin&lang=de`,
}

var bannerLines = []string{
	"SSH-2.0-OpenSSH_8.0",
	"220 mail.example.com ESMTP Postfix (Ubuntu)",
	"Microsoft Windows RPC",
	"NetBIOS name: HOST01\tWorkgroup: CORP",
	"Service Pack: 1\tBuild: 17763",
	"Temps de réponse: 12 ms – état: ouvert",
}

// cdataBreaker is text a real page can carry that ends a CDATA section.
const cdataBreaker = "<script>//<![CDATA[\nvar x = a[b[0]]>1;\n//]]></script>"

// appendResults appends the RESULTS text of the detection with unique ID
// uid, of the given kind, to dst. The same arguments always give the same
// text; about one in eight detections has none.
func appendResults(dst []byte, seed uint64, uid int64, kind resultKind) []byte {
	var src rand.PCG
	src.Seed(seed, uint64(uid))
	r := rand.New(&src)

	var lines int
	switch size := r.IntN(1000); {
	case size < 125:
		return dst
	case size < 135:
		return append(dst, cdataBreaker...)
	case size < 620:
		lines = 1 + r.IntN(3)
	case size < 910:
		lines = 4 + r.IntN(17)
	default:
		lines = 30 + r.IntN(90)
	}

	for i := range lines {
		if i > 0 {
			dst = append(dst, '\n')
		}
		dst = appendLine(dst, r, kind, i)
	}
	return dst
}

func appendLine(dst []byte, r *rand.Rand, kind resultKind, i int) []byte {
	switch kind {
	case resultCertificate:
		dst = append(dst, "Certificate #"...)
		dst = strconv.AppendInt(dst, int64(i), 10)
		dst = append(dst, ' ')
		s := certSubjects[r.IntN(len(certSubjects))]
		if s == "CN=%s" {
			return append(dst, "CN=host01 (host01) doesn&apos;t resolve"...)
		}
		return append(dst, s...)
	case resultPackages:
		p := packages[r.IntN(len(packages))]
		if i == 0 {
			return append(dst, "Package\tInstalled Version\tRequired Version"...)
		}
		return append(dst, p[0]+"\t"+p[1]+"\t"+p[2]...)
	case resultRegistry:
		return append(dst, registryLines[r.IntN(len(registryLines))]...)
	case resultCiphers:
		return append(dst, cipherLines[r.IntN(len(cipherLines))]...)
	case resultHTTP:
		return append(dst, httpLines[r.IntN(len(httpLines))]...)
	case resultBanner:
		return append(dst, bannerLines[r.IntN(len(bannerLines))]...)
	default:
		dst = append(dst, "/usr/lib64/libssl.so."...)
		dst = strconv.AppendInt(dst, int64(r.IntN(3)), 10)
		dst = append(dst, "\tsize="...)
		dst = strconv.AppendInt(dst, int64(r.IntN(900000)), 10)
		return append(dst, "\towner=root\tmode=0755"...)
	}
}
