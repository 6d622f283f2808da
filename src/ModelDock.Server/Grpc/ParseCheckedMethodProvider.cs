using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Observability;
using ModelDock.Server.Grpc.Protocol;

namespace ModelDock.Server.Grpc;

/// <summary>
/// Binds <see cref="InferenceGrpcService"/> to <c>inference.GRPCInferenceService</c> with request
/// marshallers that answer a message that does not parse with INVALID_ARGUMENT naming the message.
/// The generated binding would let the parser's exception escape before any interceptor runs, which
/// gRPC reports as UNKNOWN with an error-level stack trace: a client's mistake logged as a server fault.
/// </summary>
/// <remarks>
/// The service does not derive from the generated base class, whose <c>[BindServiceMethod]</c> would
/// bind every method a second time; the generated <c>BindService</c> still lists the methods here.
/// </remarks>
internal sealed class ParseCheckedMethodProvider(ServingMetrics metrics) : IServiceMethodProvider<InferenceGrpcService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<InferenceGrpcService> context) =>
        GRPCInferenceService.BindService(new Binder(context, metrics), serviceImpl: null);

    /// <param name="refusals">Where a <c>ModelInfer</c> message that could not be read is counted; null for other methods.</param>
    private static Marshaller<T> Checked<T>(Marshaller<T> marshaller, ServingMetrics? refusals) =>
        new(marshaller.ContextualSerializer, context =>
        {
            try
            {
                return marshaller.ContextualDeserializer(context);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var error = e as RpcException ?? new RpcException(new Status(StatusCode.InvalidArgument, $"the {typeof(T).Name} message does not parse: {e.Message}"));
                // RESOURCE_EXHAUSTED here is the request memory budget; every other failure is a message that does not parse.
                refusals?.RecordRefused(InferenceProtocol.Grpc, model: null, error.StatusCode == StatusCode.ResourceExhausted ? ErrorKind.QueueFull : ErrorKind.InvalidInput);
                throw error;
            }
        });

    private static Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method, ServingMetrics metrics)
        where TRequest : class
        where TResponse : class =>
        new(method.Type, method.ServiceName, method.Name, Checked(method.RequestMarshaller, method.Name == "ModelInfer" ? metrics : null), method.ResponseMarshaller);

    private sealed class Binder(ServiceMethodProviderContext<InferenceGrpcService> context, ServingMetrics metrics) : ServiceBinderBase
    {
        // What grpc-dotnet's own binding attaches: gRPC is POST only.
        private static readonly object[] Metadata = [new HttpMethodMetadata(["POST"], acceptCorsPreflight: true)];

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(
                Checked(method, metrics),
                Metadata,
                Handler<UnaryServerMethod<InferenceGrpcService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext)));

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(
                Checked(method, metrics),
                Metadata,
                Handler<DuplexStreamingServerMethod<InferenceGrpcService, TRequest, TResponse>>(
                    method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)));

        private static TDelegate Handler<TDelegate>(string name, params Type[] parameters)
            where TDelegate : Delegate
        {
            var handler = typeof(InferenceGrpcService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters)
                ?? throw new InvalidOperationException($"{nameof(InferenceGrpcService)} has no method {name} for inference.GRPCInferenceService/{name}.");
            return (TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler);
        }
    }
}
