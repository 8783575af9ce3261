using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace AttentionGen.Bench.Peers;

/// <summary>A minimal protobuf writer: varints, fixed32 floats and length-delimited (nested) fields.</summary>
internal sealed class ProtoWriter
{
    private const int WireVarint = 0;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    private readonly MemoryStream _buffer = new();

    public byte[] ToArray() => _buffer.ToArray();

    public ProtoWriter Int(int field, long value)
    {
        Tag(field, WireVarint);
        Varint(unchecked((ulong)value)); // negative int64 is written as 10-byte two's complement, as protobuf does
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        Tag(field, WireFixed32);
        Span<byte> b = stackalloc byte[4];
        BitConverter.TryWriteBytes(b, value);
        if (!BitConverter.IsLittleEndian)
        {
            b.Reverse();
        }

        _buffer.Write(b);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    public ProtoWriter Bytes(int field, byte[] value)
    {
        Tag(field, WireLengthDelimited);
        Varint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    private void Tag(int field, int wireType) => Varint(((ulong)field << 3) | (uint)wireType);

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _buffer.WriteByte((byte)value);
    }
}

/// <summary>
/// Builds a one-node ONNX ModelProto as protobuf bytes (field numbers from onnx/onnx.proto):
/// ModelProto{ir_version=1, producer_name=2, graph=7, opset_import=8}; OperatorSetIdProto{domain=1, version=2};
/// GraphProto{node=1, name=2, input=11, output=12}; NodeProto{input=1, output=2, name=3, op_type=4, attribute=5,
/// domain=7}; AttributeProto{name=1, f=2, i=3, type=20 (FLOAT=1, INT=2)}; ValueInfoProto{name=1, type=2};
/// TypeProto{tensor_type=1}; TypeProto.Tensor{elem_type=1 (FLOAT=1), shape=2}; TensorShapeProto{dim=1};
/// Dimension{dim_value=1}.
/// </summary>
internal sealed class OnnxModelBuilder
{
    private readonly List<(string Domain, long Version)> _opsets = [];
    private readonly List<(string Name, long[] Shape)> _inputs = [];
    private readonly List<(string Name, long[] Shape)> _outputs = [];
    private readonly List<ProtoWriter> _attributes = [];
    private string _opType = "";
    private string _domain = "";

    public long IrVersion { get; set; } = 11;

    public OnnxModelBuilder Opset(string domain, long version)
    {
        _opsets.Add((domain, version));
        return this;
    }

    public OnnxModelBuilder Op(string opType, string domain = "")
    {
        _opType = opType;
        _domain = domain;
        return this;
    }

    public OnnxModelBuilder Input(string name, params long[] shape)
    {
        _inputs.Add((name, shape));
        return this;
    }

    public OnnxModelBuilder Output(string name, params long[] shape)
    {
        _outputs.Add((name, shape));
        return this;
    }

    public OnnxModelBuilder Attr(string name, long value)
    {
        _attributes.Add(new ProtoWriter().String(1, name).Int(3, value).Int(20, 2));
        return this;
    }

    public OnnxModelBuilder Attr(string name, float value)
    {
        _attributes.Add(new ProtoWriter().String(1, name).Float(2, value).Int(20, 1));
        return this;
    }

    public byte[] Build()
    {
        var node = new ProtoWriter();
        foreach (var (name, _) in _inputs)
        {
            node.String(1, name);
        }

        foreach (var (name, _) in _outputs)
        {
            node.String(2, name);
        }

        node.String(3, _opType + "_0").String(4, _opType);
        foreach (ProtoWriter a in _attributes)
        {
            node.Message(5, a);
        }

        if (_domain.Length > 0)
        {
            node.String(7, _domain);
        }

        var graph = new ProtoWriter().Message(1, node).String(2, "attention_peer");
        foreach (var (name, shape) in _inputs)
        {
            graph.Message(11, ValueInfo(name, shape));
        }

        foreach (var (name, shape) in _outputs)
        {
            graph.Message(12, ValueInfo(name, shape));
        }

        var model = new ProtoWriter().Int(1, IrVersion).String(2, "AttentionGen.Bench").Message(7, graph);
        foreach (var (domain, version) in _opsets)
        {
            var opset = new ProtoWriter();
            if (domain.Length > 0)
            {
                opset.String(1, domain);
            }

            model.Message(8, opset.Int(2, version));
        }

        return model.ToArray();
    }

    private static ProtoWriter ValueInfo(string name, long[] shape)
    {
        var dims = new ProtoWriter();
        foreach (long d in shape)
        {
            dims.Message(1, new ProtoWriter().Int(1, d));
        }

        var tensor = new ProtoWriter().Int(1, 1 /* FLOAT */).Message(2, dims);
        var type = new ProtoWriter().Message(1, tensor);
        return new ProtoWriter().String(1, name).Message(2, type);
    }
}
