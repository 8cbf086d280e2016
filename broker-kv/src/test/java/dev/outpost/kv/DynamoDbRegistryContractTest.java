package dev.outpost.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.dynamodbv2.local.embedded.DynamoDBEmbedded;
import com.amazonaws.services.dynamodbv2.local.shared.access.AmazonDynamoDBLocal;
import dev.outpost.spi.Registry;
import dev.outpost.testkit.RegistryContract;
import dev.outpost.testkit.TestClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.KeyType;

/**
 * The contract on DynamoDB Local, in this JVM (its sqlite4java native library comes from
 * target/native-libs, set by the pom). Each test gets its own table.
 */
class DynamoDbRegistryContractTest extends RegistryContract {
    private static AmazonDynamoDBLocal local;
    private static DynamoDbClient dynamo;
    private static final AtomicInteger TABLES = new AtomicInteger();

    @BeforeAll
    static void start() {
        local = DynamoDBEmbedded.create();
        dynamo = local.dynamoDbClient();
    }

    @AfterAll
    static void stop() {
        dynamo.close();
        local.shutdownNow();
    }

    @Override
    protected Registry createRegistry(TestClock clock) {
        String table = "registry-" + TABLES.incrementAndGet();
        new DynamoDbProvisioner(dynamo).table(table);
        return DynamoDbRegistry.builder(dynamo, table).clock(clock).pollInterval(Duration.ofMillis(50)).fullPollEvery(5).build().start();
    }

    @Override
    protected boolean watchMayCoalesce() {
        return true;
    }

    @Override
    protected int threads() {
        return 4;
    }

    @Test
    void theProvisionerIsIdempotentAndRefusesAForeignTable() {
        DynamoDbProvisioner p = new DynamoDbProvisioner(dynamo);
        assertThat(p.table("prov").tableName()).isEqualTo("prov");
        assertThat(p.table("prov").keySchema()).hasSize(2);
        dynamo.createTable(r -> r.tableName("foreign").billingMode("PAY_PER_REQUEST")
                .attributeDefinitions(a -> a.attributeName("id").attributeType("S"))
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH)));
        assertThatThrownBy(() -> p.table("foreign")).isInstanceOf(IllegalStateException.class).hasMessageContaining("not a registry table");
    }
}
