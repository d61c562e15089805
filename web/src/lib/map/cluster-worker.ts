// The board's cluster worker: holds the open incidents' points and answers with the clusters of
// a view (see PointIndex). Messages are handled in order, so a view asked for after a change
// already shows it.
import { CLUSTER_OPTIONS, PointIndex, type FromIndex, type ToIndex } from './point-index.ts';

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<ToIndex>) => void) | null;
  postMessage(message: FromIndex): void;
};
const index = new PointIndex(CLUSTER_OPTIONS);
scope.onmessage = (e) => {
  const answer = index.handle(e.data);
  if (answer) scope.postMessage(answer);
};
