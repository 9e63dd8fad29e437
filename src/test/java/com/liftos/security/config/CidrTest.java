package com.liftos.security.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CidrTest {
    @Test
    void ipv4LiteralsParseToTheirFourBytes() {
        assertThat(Cidr.literal("192.168.0.1")).hasValueSatisfying(b -> assertThat(b).containsExactly(192, 168, 0, 1));
        assertThat(Cidr.literal("0.0.0.0")).hasValueSatisfying(b -> assertThat(b).containsExactly(0, 0, 0, 0));
        assertThat(Cidr.literal("255.255.255.255")).hasValueSatisfying(b -> assertThat(b).containsExactly(255, 255, 255, 255));
    }

    @Test
    void anythingElseIsNotAnIpv4Literal() {
        for (String bad : List.of("", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1..2.3", ".1.2.3", "1.2.3.",
                "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "1234.1.1.1", "a.b.c.d", "localhost", "example.com", "1.2.3.4/24")) {
            assertThat(Cidr.literal(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void ipv6LiteralsParseWithoutDns() {
        assertThat(Cidr.literal("::1")).hasValueSatisfying(b -> assertThat(b).hasSize(16));
        assertThat(Cidr.literal("2001:db8::1")).hasValueSatisfying(b -> assertThat(b).hasSize(16));
        assertThat(Cidr.literal("2001:db8::zz")).isEmpty();
        assertThat(Cidr.literal("host:name")).isEmpty();
    }

    @Test
    void containmentUsesThePrefix() {
        Cidr net = Cidr.parse("10.1.0.0/16").orElseThrow();
        assertThat(net.contains("10.1.255.7")).isTrue();
        assertThat(net.contains("10.2.0.1")).isFalse();
        assertThat(net.contains("not-an-ip")).isFalse();
    }
}
