// supercluster 8 ships no typings and @types/supercluster is not a dependency: the part we use.
declare module 'supercluster' {
  export interface PointLike<P> {
    type: 'Feature';
    id?: number | string;
    geometry: { type: 'Point'; coordinates: [number, number] };
    properties: P;
  }
  export interface ClusterLike<C> {
    type: 'Feature';
    id: number;
    geometry: { type: 'Point'; coordinates: [number, number] };
    properties: C & {
      cluster: true;
      cluster_id: number;
      point_count: number;
      point_count_abbreviated: string | number;
    };
  }
  export interface Options<P, C> {
    minZoom?: number;
    maxZoom?: number;
    minPoints?: number;
    radius?: number;
    extent?: number;
    nodeSize?: number;
    map?: (props: P) => C;
    reduce?: (accumulated: C, props: Readonly<C>) => void;
  }
  export default class Supercluster<P = Record<string, unknown>, C = Record<string, unknown>> {
    constructor(options?: Options<P, C>);
    load(points: PointLike<P>[]): this;
    getClusters(
      bbox: [number, number, number, number],
      zoom: number,
    ): (PointLike<P> | ClusterLike<C>)[];
    getClusterExpansionZoom(clusterId: number): number;
  }
}
