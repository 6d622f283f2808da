namespace ModelDock.Fuzz;

/// <summary>The feature repository the fuzz host serves, and valid bodies for its routes: the seeds that mutations start from.</summary>
internal static class FeatureSeeds
{
    /// <summary>The fuzz host's entity row limit; one seed asks for one row more.</summary>
    public const int MaxEntityRows = 8;

    public const string RepositoryYaml = """
        entities:
          - name: driver
            join_keys: [driver_id]
            value_type: INT64
            description: A driver
          - name: customer
            join_keys: [customer_id]
            value_type: STRING
        sources:
          - name: driver_stats_source
            path: data/driver_stats.parquet
            timestamp_field: event_timestamp
            created_timestamp_column: created
          - name: customer_source
            path: data/customer.csv
            timestamp_field: event_timestamp
        feature_views:
          - name: driver_stats
            entities: [driver]
            ttl: 2h
            source: driver_stats_source
            schema:
              - name: conv_rate
                dtype: DOUBLE
              - name: trips
                dtype: INT64
              - name: active
                dtype: BOOL
            tags:
              team: drivers
          - name: customer_stats
            entities: [customer]
            ttl: 0
            source: customer_source
            online: true
            schema:
              - name: segment
                dtype: STRING
              - name: spend
                dtype: FLOAT
        feature_services:
          - name: driver_model_v1
            features:
              - driver_stats:conv_rate
              - driver_stats:trips
            description: Inputs of the driver model
        """;

    public static readonly string[] PushBodies =
    [
        """{"push_source_name": "driver_stats_source", "to": "online", "df": {"driver_id": [7, 8], "event_timestamp": ["2026-03-01T11:00:00Z", "2026-03-01T11:30:00Z"], "conv_rate": [0.25, 0.75], "trips": [2, null], "active": [true, false]}}""",
        """{"feature_view": "customer_stats", "to": "online", "df": {"customer_id": ["a", "b"], "event_timestamp": ["2026-03-01T11:00:00Z", "2026-03-01T11:00:00Z"], "segment": ["gold", null], "spend": [1.5, 2]}}""",
        """{"feature_view": "driver_stats", "to": "online_and_offline", "df": {"driver_id": [9], "event_timestamp": ["2026-03-01T11:00:00Z"], "created": ["2026-03-01T11:00:01Z"], "conv_rate": [0.5], "trips": [1], "active": [true]}}""",
        """{"feature_view": "driver_stats", "to": "offline", "df": {"driver_id": [10, 11], "event_timestamp": [1772362800, 1772362800.5], "created": [1772362801, null], "conv_rate": [0.5, 0.25], "trips": [1, 2], "active": [true, false]}}""",
        """{"push_source_name": "driver_stats_source", "to": "online", "df": {"driver_id": [12], "event_timestamp": ["9999-12-31T23:59:59Z"], "conv_rate": [0.5], "trips": [1], "active": [true]}}""",
    ];

    public static readonly string[] OnlineBodies =
    [
        """{"features": ["driver_stats:conv_rate", "driver_stats:trips"], "entities": {"driver_id": [7, 8, 1001]}}""",
        """{"feature_service": "driver_model_v1", "entities": {"driver_id": [7]}, "full_feature_names": true}""",
        """{"feature_service": "driver_model_v1:1", "entities": {"driver_id": [7, 8]}}""",
        """{"feature_service": "driver_model_v1:2", "entities": {"driver_id": [7]}}""",
        """{"features": ["customer_stats:segment", "customer_stats:spend"], "entities": {"customer_id": ["a", "zzz"]}}""",
        """{"features": ["driver_stats:trips"], "entities": {"driver_id": [1, 2, 3, 4, 5, 6, 7, 8, 9]}}""",
    ];
}
