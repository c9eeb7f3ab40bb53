import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * A tiny YOLOv8-shaped detector written as an ONNX graph here, so the tests need no download.
 * Input `images` [1,3,S,S]; output [1, 4 + 3, N]: fixed boxes (cx, cy, w, h in input pixels) and
 * class scores = mean of one colour channel over the whole input × a fixed per-anchor mask. So a
 * red photo makes class 0 ("apple") score, a green one class 1 ("banana"): the result depends on
 * the real pixels going through letterboxing and the channel layout.
 */
export interface TinyModel {
  size: number;
  boxes: [number, number, number, number][];
  /** mask[class][anchor]. */
  mask: number[][];
}

export const TINY: TinyModel = {
  size: 64,
  boxes: [
    [32, 32, 20, 20],
    [33, 32, 20, 20],
    [10, 30, 8, 8],
    [50, 40, 6, 6],
  ],
  mask: [
    [1, 0.9, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 0.1],
  ],
};

const float = (name: string, dims: number[], values: number[]) =>
  onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims, floatData: values });

export function tinyYolo(m: TinyModel = TINY): Uint8Array {
  const n = m.boxes.length;
  const classes = m.mask.length;
  // boxes laid out [1, 4, N]: all cx, then all cy, w, h.
  const boxValues = [0, 1, 2, 3].flatMap((f) => m.boxes.map((b) => b[f]!));
  const valueInfo = (name: string, dims: number[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: dims.map((d) => ({ dimValue: d })) },
        },
      },
    });
  const graph = onnx.GraphProto.create({
    name: 'tiny-yolo',
    input: [valueInfo('images', [1, 3, m.size, m.size])],
    output: [valueInfo('output0', [1, 4 + classes, n])],
    initializer: [
      float('boxes', [1, 4, n], boxValues),
      float('mask', [1, classes, n], m.mask.flat()),
      onnx.TensorProto.create({
        name: 'shape',
        dataType: onnx.TensorProto.DataType.INT64,
        dims: [3],
        int64Data: [1, 3, 1],
      }),
    ],
    node: [
      {
        opType: 'ReduceMean',
        input: ['images'],
        output: ['means'],
        attribute: [
          { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [2, 3] },
          { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 1 },
        ],
      },
      { opType: 'Reshape', input: ['means', 'shape'], output: ['means3'] },
      { opType: 'Mul', input: ['means3', 'mask'], output: ['scores'] },
      {
        opType: 'Concat',
        input: ['boxes', 'scores'],
        output: ['output0'],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      },
    ],
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'expireeye-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}
