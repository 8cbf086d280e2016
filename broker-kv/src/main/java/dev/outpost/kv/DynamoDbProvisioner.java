package dev.outpost.kv;

import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * Creates the table a {@link DynamoDbRegistry} uses, idempotently (as {@code SqsProvisioner} does
 * for queues): on-demand billing, partition key {@code ns}, sort key {@code name}, and DynamoDB TTL
 * on the {@code ttl} attribute. Needs {@code dynamodb:CreateTable}, {@code DescribeTable},
 * {@code UpdateTimeToLive} and {@code DescribeTimeToLive}; the registry itself needs only
 * {@code GetItem}, {@code PutItem}, {@code UpdateItem} and {@code Query}.
 */
public final class DynamoDbProvisioner {
    private final DynamoDbClient dynamo;

    /** A provisioner using {@code dynamo}. */
    public DynamoDbProvisioner(DynamoDbClient dynamo) {
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
    }

    /**
     * Creates {@code name} if it does not exist, waits until it is active, and turns TTL on.
     *
     * @return the table's description
     * @throws IllegalStateException when a table of that name exists with other keys
     */
    public TableDescription table(String name) {
        Objects.requireNonNull(name, "name");
        try {
            dynamo.createTable(r -> r.tableName(name).billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            AttributeDefinition.builder().attributeName("ns").attributeType(ScalarAttributeType.S).build(),
                            AttributeDefinition.builder().attributeName("name").attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName("ns").keyType(KeyType.HASH).build(),
                            KeySchemaElement.builder().attributeName("name").keyType(KeyType.RANGE).build()));
        } catch (ResourceInUseException exists) {
            // created before: checked below
        }
        TableDescription t = dynamo.waiter().waitUntilTableExists(r -> r.tableName(name)).matched().response()
                .orElseThrow(() -> new IllegalStateException("table " + name + " did not become active")).table();
        boolean keys = t.keySchema().size() == 2
                && t.keySchema().stream().anyMatch(k -> k.attributeName().equals("ns") && k.keyType() == KeyType.HASH)
                && t.keySchema().stream().anyMatch(k -> k.attributeName().equals("name") && k.keyType() == KeyType.RANGE);
        if (!keys) {
            throw new IllegalStateException("table " + name + " exists with keys " + t.keySchema()
                    + ", not (ns HASH, name RANGE): it is not a registry table");
        }
        try {
            TimeToLiveStatus status = dynamo.describeTimeToLive(r -> r.tableName(name)).timeToLiveDescription().timeToLiveStatus();
            if (status != TimeToLiveStatus.ENABLED && status != TimeToLiveStatus.ENABLING) {
                dynamo.updateTimeToLive(r -> r.tableName(name).timeToLiveSpecification(s -> s.attributeName("ttl").enabled(true)));
            }
        } catch (ResourceNotFoundException e) {
            throw e;
        } catch (DynamoDbException e) {
            // TTL only cleans up expired items; the registry filters them by itself
            if (!String.valueOf(e.getMessage()).contains("TimeToLive is already enabled")) {
                throw e;
            }
        }
        return t;
    }
}
