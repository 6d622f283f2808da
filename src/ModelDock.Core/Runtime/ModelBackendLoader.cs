using ModelDock.Runtime.Onnx;

namespace ModelDock.Runtime;

/// <summary>Opens a model file as a backend; tests substitute one that observes or holds runs.</summary>
internal delegate IModelBackend ModelBackendLoader(string path, OnnxSessionSettings settings);
