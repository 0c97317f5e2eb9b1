# Runtime hook: chromadb's telemetry module imports the OTLP gRPC span exporter at module level,
# but only builds one when CHROMA_OTEL_GRANULARITY is set (Lectern never sets it, and sends
# nothing off the machine). The bundle leaves out grpc, protobuf and the exporters (about 20 MB);
# this stands in for the one name chromadb imports, and says so if anything ever tries to use it.
import sys
import types

_name = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"
if _name not in sys.modules:
    _stub = types.ModuleType(_name)

    class OTLPSpanExporter:
        def __init__(self, *args, **kwargs):
            raise RuntimeError("OpenTelemetry export is not part of the Lectern bundle")

    _stub.OTLPSpanExporter = OTLPSpanExporter
    sys.modules[_name] = _stub
