// The tutorial's box losses (§5.2) ported by hand to TensorFlow.js: `boxes[:, k]` is a column
// of tf.unstack(boxes, 1).
import * as tf from '@tensorflow/tfjs';

interface Overlap {
  inter: tf.Tensor;
  union: tf.Tensor;
  p: tf.Tensor[];
  t: tf.Tensor[];
}

function overlap(predBoxes: tf.Tensor, targetBoxes: tf.Tensor): Overlap {
  const p = tf.unstack(predBoxes, 1);
  const t = tf.unstack(targetBoxes, 1);
  const x1 = tf.maximum(p[0]!, t[0]!);
  const y1 = tf.maximum(p[1]!, t[1]!);
  const x2 = tf.minimum(p[2]!, t[2]!);
  const y2 = tf.minimum(p[3]!, t[3]!);
  const inter = tf.mul(tf.relu(tf.sub(x2, x1)), tf.relu(tf.sub(y2, y1)));
  const predArea = tf.mul(tf.sub(p[2]!, p[0]!), tf.sub(p[3]!, p[1]!));
  const targetArea = tf.mul(tf.sub(t[2]!, t[0]!), tf.sub(t[3]!, t[1]!));
  return { inter, union: tf.sub(tf.add(predArea, targetArea), inter), p, t };
}

/** iou_loss: 1 - mean(inter/(union + 1e-6)). */
export function iouLoss(predBoxes: tf.Tensor, targetBoxes: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const { inter, union } = overlap(predBoxes, targetBoxes);
    return tf.sub(1, tf.mean(tf.div(inter, tf.add(union, 1e-6))));
  });
}

/** giou_loss: 1 - mean(IoU - (C - U)/(C + 1e-6)), C the enclosing box's area. */
export function giouLoss(predBoxes: tf.Tensor, targetBoxes: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const { inter, union, p, t } = overlap(predBoxes, targetBoxes);
    const iou = tf.div(inter, tf.add(union, 1e-6));
    const x1c = tf.minimum(p[0]!, t[0]!);
    const y1c = tf.minimum(p[1]!, t[1]!);
    const x2c = tf.maximum(p[2]!, t[2]!);
    const y2c = tf.maximum(p[3]!, t[3]!);
    const enclosing = tf.mul(tf.sub(x2c, x1c), tf.sub(y2c, y1c));
    const giou = tf.sub(iou, tf.div(tf.sub(enclosing, union), tf.add(enclosing, 1e-6)));
    return tf.sub(1, tf.mean(giou));
  });
}
