using ModelDock.Server.Grpc.Protocol;
using ModelDock.Serving;
using ModelDock.Tensors;

namespace ModelDock.Server.Grpc;

/// <summary>The effective configuration as Triton's <c>ModelConfig</c> message.</summary>
internal static class GrpcModelConfig
{
    public static ModelConfig ToMessage(ModelConfiguration configuration)
    {
        var message = new ModelConfig
        {
            Name = configuration.Name,
            Platform = configuration.Platform,
            Backend = configuration.Backend,
            MaxBatchSize = configuration.MaxBatchSize,
            VersionPolicy = VersionPolicy(configuration),
        };
        foreach (var input in configuration.Inputs)
        {
            var entry = new ModelInput { Name = input.Name, DataType = DataTypeOf(input) };
            entry.Dims.AddRange(input.Shape);
            message.Input.Add(entry);
        }

        foreach (var output in configuration.Outputs)
        {
            var entry = new ModelOutput { Name = output.Name, DataType = DataTypeOf(output) };
            entry.Dims.AddRange(output.Shape);
            message.Output.Add(entry);
        }

        if (configuration.DynamicBatching is { } batching)
        {
            message.DynamicBatching = new ModelDynamicBatching
            {
                MaxQueueDelayMicroseconds = (ulong)batching.MaxQueueDelayMicroseconds,
                DefaultQueuePolicy = new ModelQueuePolicy
                {
                    DefaultTimeoutMicroseconds = (ulong)batching.DefaultTimeoutMicroseconds,
                    MaxQueueSize = (uint)batching.MaxQueueSize,
                },
            };
            message.DynamicBatching.PreferredBatchSize.AddRange(batching.PreferredBatchSizes);
        }

        message.InstanceGroup.Add(new ModelInstanceGroup
        {
            Name = configuration.Name + "_0",
            Kind = ModelInstanceGroup.Types.Kind.Cpu,
            Count = configuration.InstanceCount,
        });
        return message;
    }

    private static ModelDataType DataTypeOf(TensorSpec tensor) => (ModelDataType)tensor.DataType.ToConfigValue();

    private static ModelVersionPolicy VersionPolicy(ModelConfiguration configuration)
    {
        if (configuration.LatestVersions is { } latest)
        {
            return new ModelVersionPolicy { Latest = new ModelVersionPolicy.Types.Latest { NumVersions = (uint)latest } };
        }

        if (configuration.SpecificVersions is { } versions)
        {
            var specific = new ModelVersionPolicy.Types.Specific();
            specific.Versions.AddRange(versions);
            return new ModelVersionPolicy { Specific = specific };
        }

        return new ModelVersionPolicy { All = new ModelVersionPolicy.Types.All() };
    }
}
