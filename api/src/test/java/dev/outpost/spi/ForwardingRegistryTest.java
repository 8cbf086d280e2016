package dev.outpost.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingRegistryTest {
    @Test
    void everyMethodOfRegistryIsForwardedTheDefaultOnesIncluded() throws Exception {
        // a method added to Registry later must be forwarded too, or decorators lose it silently
        for (Method m : Registry.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            assertThat(ForwardingRegistry.class.getDeclaredMethod(m.getName(), m.getParameterTypes())).as(m.getName()).isNotNull();
        }
    }

    @Test
    void eachCallReachesTheDelegateAsItIsWithItsAnswer() throws Exception {
        List<String> seen = new ArrayList<>();
        InvocationHandler record = (proxy, m, args) -> {
            seen.add(m.getName() + (args == null ? 0 : args.length));
            return m.getReturnType() == boolean.class ? Boolean.TRUE : m.getReturnType() == long.class ? 7L : null;
        };
        Registry target = (Registry) Proxy.newProxyInstance(Registry.class.getClassLoader(), new Class<?>[] {Registry.class}, record);
        Registry forwarding = new ForwardingRegistry(target) { };
        for (Method m : Registry.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            seen.clear();
            Object[] args = new Object[m.getParameterCount()];
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < args.length; i++) {
                args[i] = types[i] == long.class ? (Object) 1L : types[i] == int.class ? (Object) 1 : null;
            }
            Object answer = m.invoke(forwarding, args);
            // a default method forwarded by the interface's own code would call another method of the proxy
            assertThat(seen).as(m.toString()).containsExactly(m.getName() + args.length);
            if (m.getReturnType() == long.class) {
                assertThat(answer).isEqualTo(7L);
            } else if (m.getReturnType() == boolean.class) {
                assertThat(answer).isEqualTo(true);
            }
        }
    }
}
