package com.liftos.security.vault;

import java.util.Optional;
import java.util.regex.Pattern;

/** The network of a client address for analytics: the /24 of an IPv4 address, the /64 of an IPv6 one. */
final class ClientNetwork {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private ClientNetwork() {}

    static Optional<String> of(String ip) {
        if (ip == null || ip.isBlank()) {
            return Optional.empty();
        }
        var m = IPV4.matcher(ip);
        if (m.matches()) {
            return Optional.of(m.group(1) + "." + m.group(2) + "." + m.group(3) + ".0/24");
        }
        if (ip.indexOf(':') >= 0 && ip.matches("[0-9A-Fa-f:.%\\[\\]a-zA-Z]+")) {
            try {
                String literal = ip.startsWith("[") ? ip.substring(1, ip.indexOf(']') > 0 ? ip.indexOf(']') : ip.length()) : ip;
                int zone = literal.indexOf('%');
                if (zone >= 0) {
                    literal = literal.substring(0, zone);
                }
                // a literal containing ':' is never resolved through DNS
                byte[] a = java.net.InetAddress.getByName(literal).getAddress();
                if (a.length == 4) {
                    return Optional.of((a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + ".0/24");
                }
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < 8; i += 2) {
                    sb.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
                }
                return Optional.of(sb.append(":/64").toString());
            } catch (java.net.UnknownHostException | IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
