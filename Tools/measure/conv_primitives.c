/* oneDNN's own convolution primitives on fmnist-2c2d's second layer (batch 128, 32 -> 64
   channels, 5x5, 14x14, padding 2): forward, weight gradient and input gradient, GFLOP/s,
   best of 8. Arguments: threads (OpenMP) and 1 for blocked layouts (format any, what oneDNN
   prefers) or 0 for plain NCHW. Built and run by Tools/measure/measure-kernels.sh;
   docs/ARCHITECTURE.md ("Products") quotes its output. */
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define CHK(x) do{dnnl_status_t s_=(x); if(s_!=dnnl_success){printf("fail %d at %s\n",s_,#x);exit(1);}}while(0)
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int nthr = argc>1?atoi(argv[1]):1; omp_set_num_threads(nthr);
  int any = argc>2?atoi(argv[2]):1;
  dnnl_engine_t eng; CHK(dnnl_engine_create(&eng,dnnl_cpu,0));
  dnnl_stream_t st; CHK(dnnl_stream_create(&st,eng,dnnl_stream_default_flags));
  int N=128,C=32,H=14,W=14,O=64,K=5,P=2;
  dnnl_dims_t sd={N,C,H,W}, wd={O,C,K,K}, bd={O}, dd={N,O,H,W}, strides={1,1}, pad={P,P};
  dnnl_memory_desc_t src_md, w_md, b_md, dst_md;
  dnnl_format_tag_t ft = any? dnnl_format_tag_any : dnnl_nchw, wt = any? dnnl_format_tag_any: dnnl_oihw;
  CHK(dnnl_memory_desc_init_by_tag(&src_md,4,sd,dnnl_f32,ft));
  CHK(dnnl_memory_desc_init_by_tag(&w_md,4,wd,dnnl_f32,wt));
  CHK(dnnl_memory_desc_init_by_tag(&b_md,1,bd,dnnl_f32,dnnl_x));
  CHK(dnnl_memory_desc_init_by_tag(&dst_md,4,dd,dnnl_f32,ft));
  dnnl_convolution_desc_t cd;
  CHK(dnnl_convolution_forward_desc_init(&cd,dnnl_forward_training,dnnl_convolution_direct,&src_md,&w_md,&b_md,&dst_md,strides,pad,pad));
  dnnl_primitive_desc_t pd; CHK(dnnl_primitive_desc_create(&pd,&cd,NULL,eng,NULL));
  const char* impl; dnnl_primitive_desc_query(pd,dnnl_query_impl_info_str,0,&impl); printf("fwd impl %s\n",impl);
  const dnnl_memory_desc_t *s2=dnnl_primitive_desc_query_md(pd,dnnl_query_src_md,0),*w2=dnnl_primitive_desc_query_md(pd,dnnl_query_weights_md,0),*d2=dnnl_primitive_desc_query_md(pd,dnnl_query_dst_md,0);
  dnnl_memory_t sm,wm,bm,dm; CHK(dnnl_memory_create(&sm,s2,eng,DNNL_MEMORY_ALLOCATE));CHK(dnnl_memory_create(&wm,w2,eng,DNNL_MEMORY_ALLOCATE));CHK(dnnl_memory_create(&bm,&b_md,eng,DNNL_MEMORY_ALLOCATE));CHK(dnnl_memory_create(&dm,d2,eng,DNNL_MEMORY_ALLOCATE));
  float*p; dnnl_memory_get_data_handle(sm,(void**)&p); for(size_t i=0;i<dnnl_memory_desc_get_size(s2)/4;i++)p[i]=(rand()%100)/100.f;
  dnnl_memory_get_data_handle(wm,(void**)&p); for(size_t i=0;i<dnnl_memory_desc_get_size(w2)/4;i++)p[i]=(rand()%100)/100.f;
  dnnl_primitive_t prim; CHK(dnnl_primitive_create(&prim,pd));
  dnnl_exec_arg_t args[4]={{DNNL_ARG_SRC,sm},{DNNL_ARG_WEIGHTS,wm},{DNNL_ARG_BIAS,bm},{DNNL_ARG_DST,dm}};
  double fl=2.0*N*O*H*W*C*K*K, best=1e9;
  for(int r=0;r<8;r++){double t0=now(); CHK(dnnl_primitive_execute(prim,st,4,args)); dnnl_stream_wait(st); double t=now()-t0; if(t<best)best=t;}
  printf("fwd threads %d %s: %.2f ms %.1f GF/s\n",nthr,any?"blocked":"plain",best*1e3,fl/best/1e9);
  // backward weights
  dnnl_convolution_desc_t bwd; CHK(dnnl_convolution_backward_weights_desc_init(&bwd,dnnl_convolution_direct,&src_md,&w_md,&b_md,&dst_md,strides,pad,pad));
  dnnl_primitive_desc_t bpd; CHK(dnnl_primitive_desc_create(&bpd,&bwd,NULL,eng,pd));
  dnnl_primitive_desc_query(bpd,dnnl_query_impl_info_str,0,&impl); printf("bwd w impl %s\n",impl);
  dnnl_memory_t dw,db,ddst,ssrc; 
  CHK(dnnl_memory_create(&ssrc,dnnl_primitive_desc_query_md(bpd,dnnl_query_src_md,0),eng,DNNL_MEMORY_ALLOCATE));
  CHK(dnnl_memory_create(&ddst,dnnl_primitive_desc_query_md(bpd,dnnl_query_diff_dst_md,0),eng,DNNL_MEMORY_ALLOCATE));
  CHK(dnnl_memory_create(&dw,dnnl_primitive_desc_query_md(bpd,dnnl_query_diff_weights_md,0),eng,DNNL_MEMORY_ALLOCATE));
  CHK(dnnl_memory_create(&db,&b_md,eng,DNNL_MEMORY_ALLOCATE));
  dnnl_primitive_t bp; CHK(dnnl_primitive_create(&bp,bpd));
  dnnl_exec_arg_t bargs[4]={{DNNL_ARG_SRC,ssrc},{DNNL_ARG_DIFF_DST,ddst},{DNNL_ARG_DIFF_WEIGHTS,dw},{DNNL_ARG_DIFF_BIAS,db}};
  best=1e9; for(int r=0;r<8;r++){double t0=now(); CHK(dnnl_primitive_execute(bp,st,4,bargs)); dnnl_stream_wait(st); double t=now()-t0; if(t<best)best=t;}
  printf("bwd w: %.2f ms %.1f GF/s\n",best*1e3,fl/best/1e9);
  dnnl_convolution_desc_t bdd; CHK(dnnl_convolution_backward_data_desc_init(&bdd,dnnl_convolution_direct,&src_md,&w_md,&dst_md,strides,pad,pad));
  dnnl_primitive_desc_t dpd; CHK(dnnl_primitive_desc_create(&dpd,&bdd,NULL,eng,pd));
  dnnl_primitive_desc_query(dpd,dnnl_query_impl_info_str,0,&impl); printf("bwd d impl %s\n",impl);
  dnnl_memory_t dsrc,ww,dd2;
  CHK(dnnl_memory_create(&dsrc,dnnl_primitive_desc_query_md(dpd,dnnl_query_diff_src_md,0),eng,DNNL_MEMORY_ALLOCATE));
  CHK(dnnl_memory_create(&ww,dnnl_primitive_desc_query_md(dpd,dnnl_query_weights_md,0),eng,DNNL_MEMORY_ALLOCATE));
  CHK(dnnl_memory_create(&dd2,dnnl_primitive_desc_query_md(dpd,dnnl_query_diff_dst_md,0),eng,DNNL_MEMORY_ALLOCATE));
  dnnl_primitive_t dp; CHK(dnnl_primitive_create(&dp,dpd));
  dnnl_exec_arg_t dargs[3]={{DNNL_ARG_DIFF_SRC,dsrc},{DNNL_ARG_WEIGHTS,ww},{DNNL_ARG_DIFF_DST,dd2}};
  best=1e9; for(int r=0;r<8;r++){double t0=now(); CHK(dnnl_primitive_execute(dp,st,3,dargs)); dnnl_stream_wait(st); double t=now()-t0; if(t<best)best=t;}
  printf("bwd d: %.2f ms %.1f GF/s\n",best*1e3,fl/best/1e9);
}
