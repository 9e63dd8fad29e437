package com.liftos.security.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.liftos.security.config.Config.Edge.ForwardedHeader;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressTest {
    private final ClientAddress xff = new ClientAddress(List.of("10.0.0.0/8", "127.0.0.1"), ForwardedHeader.X_FORWARDED_FOR);
    private final ClientAddress rfc7239 = new ClientAddress(List.of("10.0.0.0/8"), ForwardedHeader.FORWARDED);

    @Test
    void anUntrustedPeerCannotNameItsOwnAddress() {
        ClientAddress.Resolved r = xff.resolve("203.0.113.7", false, List.of("1.2.3.4"), List.of("for=5.6.7.8"), List.of("https"));
        assertThat(r.clientIp()).isEqualTo("203.0.113.7");
        assertThat(r.https()).isFalse();
    }

    @Test
    void aTrustedProxyIsBelievedAndTheRightmostUntrustedHopIsTheClient() {
        // the client prepended 6.6.6.6 itself; the proxy appended the address it saw
        ClientAddress.Resolved r = xff.resolve("10.0.0.2", false, List.of("6.6.6.6, 198.51.100.9, 10.0.0.9"), List.of(), List.of("https"));
        assertThat(r.clientIp()).isEqualTo("198.51.100.9");
        assertThat(r.https()).isTrue();
    }

    @Test
    void severalHeaderLinesAreOneList() {
        ClientAddress.Resolved r = xff.resolve("10.0.0.2", false, List.of("6.6.6.6", "198.51.100.9"), List.of(), List.of());
        assertThat(r.clientIp()).isEqualTo("198.51.100.9");
    }

    @Test
    void onlyTheConfiguredHeaderCounts() {
        ClientAddress.Resolved r = xff.resolve("10.0.0.2", false, List.of(), List.of("for=6.6.6.6"), List.of());
        assertThat(r.clientIp()).isEqualTo("10.0.0.2");
        ClientAddress.Resolved s = rfc7239.resolve("10.0.0.2", false, List.of("6.6.6.6"), List.of(), List.of());
        assertThat(s.clientIp()).isEqualTo("10.0.0.2");
    }

    @Test
    void forwardedWithQuotedIpv6AndPortsAndProto() {
        ClientAddress.Resolved r = rfc7239.resolve("10.1.1.1", false, List.of(),
                List.of("for=6.6.6.6;proto=http, for=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.1.1.1"), List.of());
        assertThat(r.clientIp()).isEqualTo("2001:db8:cafe:0:0:0:0:17");
        assertThat(r.https()).isTrue();
    }

    @Test
    void garbageHopStopsTheWalk() {
        ClientAddress.Resolved r = xff.resolve("10.0.0.2", false, List.of("6.6.6.6, not-an-ip"), List.of(), List.of());
        assertThat(r.clientIp()).isEqualTo("10.0.0.2");
    }

    @Test
    void portsAreStripped() {
        assertThat(xff.resolve("10.0.0.2", false, List.of("198.51.100.9:5555"), List.of(), List.of()).clientIp()).isEqualTo("198.51.100.9");
    }

    @Test
    void proxyChainOfOnlyTrustedHopsYieldsTheLeftmost() {
        assertThat(xff.resolve("10.0.0.2", false, List.of("10.0.0.7, 10.0.0.8"), List.of(), List.of()).clientIp()).isEqualTo("10.0.0.7");
    }
}
