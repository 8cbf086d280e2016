package dev.outpost.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpOptionsTest {

    @Test
    void defaultsAreTheDocumentedConstants() {
        HttpOptions o = HttpOptions.defaults();
        assertThat(o.egressPolicy()).isEqualTo(EgressPolicy.defaults());
        assertThat(o.connectTimeout()).isEqualTo(HttpOptions.DEFAULT_CONNECT_TIMEOUT);
        assertThat(o.readTimeout()).isEqualTo(HttpOptions.DEFAULT_READ_TIMEOUT);
        assertThat(o.timeout()).isEqualTo(HttpOptions.DEFAULT_TIMEOUT);
        assertThat(o.maxBodyBytes()).isEqualTo(262_144);
        assertThat(o.maxRedirects()).isEqualTo(5);
        assertThat(o.userAgent()).isEqualTo("outpost-http/1");
        assertThat(o.sslSocketFactory()).isEmpty();
    }

    @Test
    void settersCheckTheirArguments() {
        HttpOptions.Builder b = HttpOptions.builder();
        assertThatThrownBy(() -> b.maxBodyBytes(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBodyBytes");
        assertThatThrownBy(() -> b.maxBodyBytes(HttpOptions.MAX_BODY_BYTES_LIMIT + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.maxRedirects(21)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 to 20");
        assertThatThrownBy(() -> b.connectTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.readTimeout(null)).isInstanceOf(NullPointerException.class).hasMessage("readTimeout");
        assertThatThrownBy(() -> b.userAgent("bad\nagent")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.egressPolicy(null)).isInstanceOf(NullPointerException.class).hasMessage("policy");
    }

    @Test
    void settingsApplyOnTop() {
        HttpOptions o = HttpOptions.builder().egressPolicy(EgressPolicy.builder().allowCidr("10.0.0.0/8").build()).build()
                .withSettings(Map.of("allow-cidrs", "192.168.0.0/16", "max-body-bytes", "1000", "max-redirects", "2",
                        "connect-timeout", "500ms", "read-timeout", "PT2S", "timeout", "9s", "max-attempts", "3"));
        assertThat(o.egressPolicy().allowedCidrs()).containsExactly("10.0.0.0/8", "192.168.0.0/16");
        assertThat(o.maxBodyBytes()).isEqualTo(1000);
        assertThat(o.maxRedirects()).isEqualTo(2);
        assertThat(o.connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(o.readTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.timeout()).isEqualTo(HttpOptions.DEFAULT_TIMEOUT);
    }

    @Test
    void badSettingsNameTheirKey() {
        HttpOptions o = HttpOptions.defaults();
        assertThatThrownBy(() -> o.withSettings(Map.of("max-body-bytes", "lots")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max-body-bytes 'lots'");
        assertThatThrownBy(() -> o.withSettings(Map.of("max-redirects", "99")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max-redirects");
        assertThatThrownBy(() -> o.withSettings(Map.of("read-timeout", "0s")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-timeout").hasMessageContaining("positive");
        assertThatThrownBy(() -> o.withSettings(Map.of("connect-timeout", "soon")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connect-timeout");
    }
}
